/** Every command, in the order `mmcpstore --help` lists them. */
import type { CommandSpec } from './command.js';
import { inspect } from './inspect.js';
import { recover } from './recover.js';
import { detect } from './detect.js';
import { completion } from './completion.js';
import { mkimage } from './mkimage.js';
import { panic } from './panic.js';
import { oops } from './oops.js';
import { pmsg, consoleCommand } from './pmsg.js';
import { erase } from './erase.js';

export const COMMANDS: readonly CommandSpec[] = [inspect, recover, detect, completion, mkimage, panic, oops, pmsg, consoleCommand, erase];

export type { CommandSpec } from './command.js';
