/**
 * Shared by the CLI tests: fixture images unpacked into a temp dir, the
 * kernel's sidecar facts, and a runner that spawns the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { OutStream, type Io, type WritableLike } from '../../src/commands/io.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'fixtures');
export const FIXTURE_NAMES = ['virtio-1m-kmsg64-deflate', 'virtio-1m-kmsg64-plain', 'mmc-256k-kmsg64-wrap'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export interface KernelRecord {
  name: string;
  size: number;
  mtime: number;
  sha256: string;
  reason: string;
}

export interface Sidecar {
  image_size: number;
  image_sha256: string;
  module_params: Record<string, number | string>;
  records_reported_by_kernel: KernelRecord[];
}

export function sidecar(name: FixtureName): Sidecar {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Sidecar;
}

export function kernelReadDir(name: FixtureName): string {
  return path.join(FIXTURES, `${name}.kernel-read`);
}

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmcpstore-cli-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Gunzips fixtures/<name>.img.gz into `dir`; returns the image path. */
export function unpack(name: FixtureName, dir: string): string {
  const out = path.join(dir, `${name}.img`);
  fs.writeFileSync(out, gunzipSync(fs.readFileSync(path.join(FIXTURES, `${name}.img.gz`))));
  return out;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface RunResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** An environment without colour overrides, so each test sets exactly what it means. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NO_COLOR'];
  delete env['FORCE_COLOR'];
  delete env['NODE_TEST_CONTEXT'];
  return { ...env, ...extra };
}

/** Spawns the CLI from source (`node --import tsx src/cli.ts`); stdout and stderr are pipes. */
export function runCli(args: string[], opts: { env?: Record<string, string> } = {}): RunResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    env: cleanEnv(opts.env),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** Runs a shell pipeline (bash, pipefail off: `$?` of the first stage via PIPESTATUS). */
export function runShell(script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], { cwd: ROOT, env: cleanEnv(env) });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

export const CLI_FROM_SOURCE = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(path.join(ROOT, 'src/cli.ts'))}`;

/** A stream that keeps what is written, optionally pretending to be a terminal. */
export class Collector implements WritableLike {
  chunks: Buffer[] = [];
  isTTY?: boolean;
  constructor(tty = false, private readonly depth = 8) {
    if (tty) this.isTTY = true;
  }
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    this.chunks.push(Buffer.from(chunk));
    queueMicrotask(() => cb?.(null));
    return true;
  }
  on(): this {
    return this;
  }
  getColorDepth(): number {
    return this.depth;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function fakeIo(env: Record<string, string | undefined> = {}, tty = false): { io: Io; out: Collector; err: Collector } {
  const out = new Collector(tty);
  const err = new Collector(tty);
  return { io: { stdout: new OutStream(out, 'stdout'), stderr: new OutStream(err, 'stderr'), env }, out, err };
}

/**
 * An image with one pmsg and one console zone of `kib` KiB each (and one
 * 4 KiB kmsg zone left empty), each zone filled with numbered text lines.
 * Returns the path and the bytes `recover` must print (pmsg, then console).
 */
export async function bigRingImage(dir: string, kib: number): Promise<{ image: string; expected: Buffer; args: string[] }> {
  const { MemoryRegion, PstoreCore, genericBlkDevice, registerPstoreDevice, BLK_DEFAULTS } = await import('../../src/zone/index.js');
  const bytes = new Uint8Array(2 * kib * 1024 + 4096);
  const region = new MemoryRegion(bytes);
  const { zone } = registerPstoreDevice(genericBlkDevice(region), { ...BLK_DEFAULTS, kmsgSize: 4, pmsgSize: kib, consoleSize: kib });
  const core = new PstoreCore(zone, { compress: 'none' });
  core.readFiles(); // as after boot: recovery first, or the zone layer only buffers writes
  const fill = (tag: string): Buffer => {
    const want = kib * 1024 - 12; // the zone's buffer: its size less the psz_buffer header
    const lines: string[] = [];
    let n = 0;
    for (let i = 0; n < want; i++) {
      const l = `${tag} line ${String(i).padStart(7, '0')} ${'x'.repeat(40)}\n`;
      lines.push(l);
      n += l.length;
    }
    return Buffer.from(lines.join('')).subarray(0, want);
  };
  const pmsg = fill('pmsg');
  const cons = fill('console');
  core.writePmsg(pmsg);
  core.writeConsole(cons);
  zone.flushAllDirtyZones();
  const image = path.join(dir, 'big.img');
  fs.writeFileSync(image, bytes);
  return { image, expected: Buffer.concat([pmsg, cons]), args: ['--kmsg-size', '4', '--pmsg-size', String(kib), '--console-size', String(kib)] };
}
