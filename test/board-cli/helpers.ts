/** Shared by the board command tests: spawn the real CLI on card images in a temp dir. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EPOCH = '1735689600';

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** `mmcpstore ARGS` in cwd `dir`, SOURCE_DATE_EPOCH set (unless env overrides). */
export function mmcpstore(args: readonly string[], o: { cwd?: string; input?: string | Buffer; env?: Record<string, string | undefined> } = {}): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), ...args], {
    cwd: o.cwd ?? ROOT,
    input: o.input ?? '',
    env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: EPOCH, ...o.env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mmcpstore-board-${tag}-`));
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const cache = new Map<string, Buffer>();

/** A fresh copy of a blank card made by `mkimage --size SIZE --pstore-size 1M` (made once per size). */
export function blankCard(dir: string, name = 'disk.img', size = '16M'): string {
  let bytes = cache.get(size);
  if (!bytes) {
    const d = tmpDir('blank');
    const r = mmcpstore(['mkimage', '--image', path.join(d, 'b.img'), '--size', size, '--pstore-size', '1M', '-q']);
    if (r.status !== 0) throw new Error(`mkimage failed: ${r.stderr}`);
    bytes = fs.readFileSync(path.join(d, 'b.img'));
    fs.rmSync(d, { recursive: true, force: true });
    cache.set(size, bytes);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

export const ZONES = ['--kmsg-size', '64', '--pmsg-size', '64', '--console-size', '64'];
