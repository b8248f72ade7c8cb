/** Shared by the reliability tests (not a test file): temp dirs, fixtures, the spawned CLI, hashes. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { ROOT } from './fuzz-core.js';
import { main } from '../../src/cli.js';
import { OutStream, type Io, type WritableLike } from '../../src/commands/io.js';

export { ROOT };
export const CLI = path.join(ROOT, 'src/cli.ts');
/** tsx by absolute URL, so that a CLI run from another working directory still finds it. */
export const TSX = import.meta.resolve('tsx');
export const IS_ROOT = os.userInfo().uid === 0;

export function tempDir(t: { after(fn: () => void): void }, prefix = 'mmcpstore-rel-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => {
    // chmod back what a test made read-only, so it can be removed
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) fs.chmodSync(path.join(dir, e.name), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function unpackFixture(name: string, dir: string): string {
  const out = path.join(dir, `${name}.img`);
  fs.writeFileSync(out, gunzipSync(fs.readFileSync(path.join(ROOT, 'fixtures', `${name}.img.gz`))));
  return out;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['FORCE_COLOR'];
  delete env['NODE_TEST_CONTEXT'];
  return env;
}

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** The CLI from source, in its own process; killed (SIGKILL) after `timeoutMs`. */
export function runCli(args: string[], o: { cwd?: string; timeoutMs?: number } = {}): Run {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: o.cwd ?? ROOT,
    env: cliEnv(),
    timeout: o.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString('utf8') ?? '' };
}

/** A node process running `code` (an ES module, tsx loaded) with cwd ROOT. */
export function spawnScript(code: string, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', code, ...args], { cwd: ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** One line on stderr, `mmcpstore: ...`, no stack trace; returns it. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n');
  assert.equal(lines.pop(), '', `ends with a newline: ${JSON.stringify(stderr)}`);
  assert.equal(lines.length, 1, `exactly one line, got: ${stderr}`);
  assert.match(lines[0]!, /^mmcpstore: /);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
}

/** Every file under `dir` (relative path → sha256 of its bytes, or '->target' for a symlink). */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isSymbolicLink()) out[rel] = `->${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(p);
      } else out[rel] = sha256(fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

class Collect implements WritableLike {
  chunks: Buffer[] = [];
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    this.chunks.push(Buffer.from(chunk));
    queueMicrotask(() => cb?.(null));
    return true;
  }
  on(): this {
    return this;
  }
}

/** The CLI's `main(argv, io)` in this process (much faster than a spawn; same code path). */
export async function runMain(args: string[]): Promise<Run> {
  const out = new Collect();
  const err = new Collect();
  const io: Io = { stdout: new OutStream(out, 'stdout'), stderr: new OutStream(err, 'stderr'), env: { NO_COLOR: '1' } };
  const status = await main(args, io);
  return { status, signal: null, stdout: Buffer.concat(out.chunks), stderr: Buffer.concat(err.chunks).toString('utf8') };
}
