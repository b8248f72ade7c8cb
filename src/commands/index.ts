/** Every command, in the order `mmcpstore --help` lists them. */
import type { CommandSpec } from './command.js';
import { inspect } from './inspect.js';
import { recover } from './recover.js';
import { detect } from './detect.js';

export const COMMANDS: readonly CommandSpec[] = [inspect, recover, detect];

export type { CommandSpec } from './command.js';
