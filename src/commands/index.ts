/**
 * Every command, in the order `mmcpstore --help` lists them. Only the specs
 * (help, examples) load here; each command's work loads when it runs, so
 * start-up pays for the command being run, not for all of them.
 */
import type { CommandSpec } from './command.js';
import { inspect } from './specs/inspect.js';
import { recover } from './specs/recover.js';
import { detect } from './specs/detect.js';
import { completionCommand } from './specs/completion.js';
import { mkimage } from './specs/mkimage.js';
import { panic } from './specs/panic.js';
import { oops } from './specs/oops.js';
import { pmsg, consoleCommand } from './specs/pmsg.js';
import { erase } from './specs/erase.js';
import { report } from './specs/report.js';

export const COMMANDS: readonly CommandSpec[] = [inspect, recover, detect, report, completionCommand(() => COMMANDS), mkimage, panic, oops, pmsg, consoleCommand, erase];

export type { CommandSpec } from './command.js';
