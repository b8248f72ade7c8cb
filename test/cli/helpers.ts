/**
 * Shared by the CLI tests: the fixture names they use, and a large ring image; the runner, temp
 * dirs, fixtures, hashes and in-process streams come from test/helpers/.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { cleanEnv, SOURCE_ARGV } from '../helpers/run-cli.js';

export { ROOT } from '../helpers/paths.js';
export { cleanEnv, runCli } from '../helpers/run-cli.js';
export { tempDir } from '../helpers/temp-dir.js';
export { sha256 } from '../helpers/hash.js';
export { fixtureSidecar as sidecar, kernelReadDir, unpackFixture as unpack } from '../helpers/fixtures.js';
export { Collector, fakeIo } from '../helpers/cli-io.js';

export const FIXTURE_NAMES = ['virtio-1m-kmsg64-deflate', 'virtio-1m-kmsg64-plain', 'mmc-256k-kmsg64-wrap'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

/** Runs a shell pipeline (bash, pipefail off: `$?` of the first stage via PIPESTATUS). */
export function runShell(script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], { cwd: ROOT, env: cleanEnv(env) });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** The CLI from source (see run-cli.ts) as a shell command line. */
export const CLI_FROM_SOURCE = [process.execPath, ...SOURCE_ARGV].map((a) => JSON.stringify(a)).join(' ');

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

/**
 * A region of `kib` KiB of 16 KiB dmesg zones, every one holding a compressed oops record
 * whose newest line differs: many records through one reader, each of them inflated.
 */
export async function manyDumpsImage(dir: string, kib: number): Promise<{ image: string; args: string[]; blk: { kmsgSize: number; pmsgSize: number; consoleSize: number; maxReason: number } }> {
  const { LinesDumpIter, MemoryRegion, PstoreCore, genericBlkDevice, registerPstoreDevice, BLK_DEFAULTS, KmsgDumpReason } = await import('../../src/zone/index.js');
  const bytes = new Uint8Array(kib * 1024);
  const blk = { kmsgSize: 16, pmsgSize: 0, consoleSize: 0, maxReason: 2 };
  const { zone } = registerPstoreDevice(genericBlkDevice(new MemoryRegion(bytes)), { ...BLK_DEFAULTS, ...blk });
  let sec = 1_767_225_600n;
  const core = new PstoreCore(zone, { now: () => ({ sec, nsec: 0n }) });
  core.readFiles();
  const lines = Array.from({ length: 300 }, (_, i) => `<6>[${String(i).padStart(5)}.000000] boot line ${i} ${'y'.repeat(i % 50)}\n`);
  for (let i = 0; i < zone.kmsgMaxCnt; i++) {
    sec += 1n;
    core.dump(KmsgDumpReason.OOPS, new LinesDumpIter([...lines, `<1>[ 9999.${String(i).padStart(6, '0')}] oops number ${i}\n`]));
  }
  zone.flushAllDirtyZones();
  const image = path.join(dir, 'dumps.img');
  fs.writeFileSync(image, bytes);
  return { image, blk, args: ['--kmsg-size', '16', '--pmsg-size', '0', '--console-size', '0', '--max-reason', '2'] };
}
