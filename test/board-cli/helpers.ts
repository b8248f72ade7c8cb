/**
 * Shared by the board command tests: the real CLI on card images in a temp dir, with a fixed
 * SOURCE_DATE_EPOCH and colour off (the runner, temp dirs and blank cards are test/helpers/'s).
 */
import { blankCardFile } from '../helpers/blank-card.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

export { sha256File } from '../helpers/hash.js';

export const EPOCH = '1735689600';

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** `mmcpstore ARGS` in cwd `dir`, SOURCE_DATE_EPOCH set (unless env overrides). */
export function mmcpstore(args: readonly string[], o: { cwd?: string; input?: string | Buffer; env?: Record<string, string | undefined> } = {}): Run {
  const r = runCli(args, { cwd: o.cwd, input: o.input ?? '', env: { NO_COLOR: '1', SOURCE_DATE_EPOCH: EPOCH, ...o.env } });
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** A temp dir for one test, removed when the test process exits. */
export function tmpDir(tag: string): string {
  return tempDir(undefined, `mmcpstore-board-${tag}-`);
}

/** A fresh copy of the blank card `mkimage --size 16M --pstore-size 1M` makes, as dir/name. */
export function blankCard(dir: string, name = 'disk.img'): string {
  return blankCardFile(dir, name);
}

export const ZONES = ['--kmsg-size', '64', '--pmsg-size', '64', '--console-size', '64'];
