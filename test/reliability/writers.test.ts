/**
 * Many CLI writers on one image at once (`panic --wait`), round after round: every one of them
 * lands, in the order they got the lock, each stamped with a time read after it got the lock and
 * strictly later than every record before it (pstore/zone writes the next dump after the zone
 * with the newest tv_sec, so a tie or an older time would have a record overwritten); also when
 * they all find the lock stale at once (its holder killed).
 * The installed entry point (the bundle `npm run build` makes) starts fastest; it is used here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { acquireImageLock, lockPathFor, procCmdline } from '../../src/lib/image-lock.js';
import { MemoryRegion, PstoreCore, genericBlkDevice, mergeBlkParams, registerPstoreDevice, type PstoreFile } from '../../src/zone/index.js';
import { blankCard } from '../helpers/blank-card.js';
import { ROOT } from '../helpers/paths.js';
import { cleanEnv, cliArgv } from '../helpers/run-cli.js';
import { runMain, tempDir } from './helpers.js';

const WRITERS = 8;
const ROUNDS = Number(process.env['MMCPSTORE_WRITER_ROUNDS'] ?? 3);
/** Long enough that a writer reading the clock before the lock would be a second early. */
const HOLD_AFTER_ALL_WAIT_MS = 1100;

const card = blankCard();
const part = card.card.layout.partitions.find((p) => p.number === card.card.pstoreNumber)!;
const partOff = Number(part.firstLba) * 512;
const partLen = (Number(part.lastLba) - Number(part.firstLba) + 1) * 512;

function dmesgRecords(file: string): PstoreFile[] {
  const bytes = new Uint8Array(fs.readFileSync(file)).slice(partOff, partOff + partLen);
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(bytes)), mergeBlkParams({ kmsgSize: 16 }), { nrCpus: 1 });
  return new PstoreCore(reg.zone).readFiles().filter((f) => f.name.startsWith('dmesg-'));
}

interface Writer {
  tag: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startWriter(image: string, tag: string): Writer {
  const child = spawn(process.execPath, cliArgv(['panic', '-i', image, '--kmsg-size', '16', '--wait', '120', '--message', tag], 'bin'), {
    cwd: ROOT,
    env: cleanEnv({ NO_COLOR: '1' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { tag, stderr: () => err, exited: new Promise((r) => child.once('exit', (c) => r(c))) };
}

/** A lock held by a live process (as the rule sees it), released by killing that process. */
async function holderToKill(image: string): Promise<() => void> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up\\n")'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((r) => child.stdout!.once('data', () => r()));
  fs.writeFileSync(lockPathFor(image), JSON.stringify({ pid: child.pid, host: os.hostname(), cmd: procCmdline(child.pid!) }));
  return () => void child.kill('SIGKILL');
}

async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const BUNDLE = path.join(ROOT, 'dist/bundle/cli.cjs');
/** Most a record time moves on per boot under a fixed clock: 1 s plus mount-to-panic uptime. */
const MAX_STEP_SEC = 10n;

describe('record times after the newest record on the card', () => {
  it('boots in the same second (a fixed SOURCE_DATE_EPOCH) still stamp strictly later records, so the ring keeps the newest ones', async (t) => {
    const dir = tempDir(t);
    const image = path.join(dir, 'card.img');
    fs.writeFileSync(image, card.image);
    // 1 MiB partition, 256 KiB kmsg zones: a ring of 4
    const args = (k: number): string[] => ['panic', '-i', image, '--kmsg-size', '256', '--message', `panic ${k}`, '-q'];
    const epoch = 1735689600n;
    for (let k = 1; k <= 6; k++) {
      const r = await runMain(args(k), { NO_COLOR: '1', SOURCE_DATE_EPOCH: String(epoch) });
      assert.equal(r.status, 0, r.stderr);
    }
    const bytes = new Uint8Array(fs.readFileSync(image)).slice(partOff, partOff + partLen);
    const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(bytes)), mergeBlkParams({ kmsgSize: 256 }), { nrCpus: 1 });
    const recs = new PstoreCore(reg.zone).readFiles().filter((f) => f.name.startsWith('dmesg-'));
    const which = recs.map((f) => Number(/Kernel panic - not syncing: panic (\d+)/.exec(Buffer.from(f.data).toString('latin1'))?.[1])).sort();
    assert.deepEqual(which, [3, 4, 5, 6], 'the four newest panics; an equal time would have had panic 6 written over panic 5');
    // in panic order: strictly later each time, by the second the boot is moved on plus the
    // few seconds of modelled uptime between the pstorefs mount and the panic
    const byPanic = [...recs].sort((a, b) => (a.count ?? 0) - (b.count ?? 0)).map((f) => f.time.sec);
    for (let i = 1; i < byPanic.length; i++) {
      assert.ok(byPanic[i]! > byPanic[i - 1]! && byPanic[i]! - byPanic[i - 1]! <= MAX_STEP_SEC, `times ${byPanic.join(', ')}`);
    }
  });
});

describe(`${WRITERS} panic --wait writers at once`, { skip: !fs.existsSync(BUNDLE) && 'no bundle: npm run build' }, () => {
  it(`all land, in lock order, stamped after the lock, ${ROUNDS} rounds`, { timeout: 600_000 }, async (t) => {
    const dir = tempDir(t);
    const image = path.join(dir, 'card.img');
    fs.writeFileSync(image, card.image);
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // The lock is held until every writer waits for it: they all start together. In the first
      // round its holder is killed instead of letting go: all eight find a stale lock at once,
      // and exactly one of them may take it over.
      const release = round === 0 ? await holderToKill(image) : acquireImageLock(image);
      const writers = Array.from({ length: WRITERS }, (_, k) => startWriter(image, `round ${round} writer ${k}`));
      await until('every writer to wait for the lock', () => writers.every((w) => w.stderr().includes('waiting up to 120 s')));
      await new Promise((r) => setTimeout(r, HOLD_AFTER_ALL_WAIT_MS));
      const releasedSec = BigInt(Math.floor(Date.now() / 1000));
      release();
      const codes = await Promise.all(writers.map((w) => w.exited));
      assert.deepEqual(codes, writers.map(() => 0), writers.map((w) => w.stderr()).join('\n'));
      total += WRITERS;

      const recs = dmesgRecords(image);
      assert.equal(recs.length, total, `round ${round}: every record of every round is on the card: ${recs.map((r) => r.name).join(', ')}`);
      const text = (f: PstoreFile): string => Buffer.from(f.data).toString('latin1');
      for (const w of writers) assert.equal(recs.filter((f) => text(f).includes(`Kernel panic - not syncing: ${w.tag}\n`)).length, 1, `${w.tag} landed once`);
      // lock order = the panic counter (each writer recovered the ones before it); times follow it
      const byCount = [...recs].sort((a, b) => (a.count ?? 0) - (b.count ?? 0));
      assert.deepEqual(byCount.map((f) => f.count), Array.from({ length: total }, (_, i) => i + 1), 'counters 1..N: nobody lost, nobody twice');
      for (let i = 1; i < byCount.length; i++) {
        assert.ok(byCount[i]!.time.sec > byCount[i - 1]!.time.sec, `record ${i + 1} is stamped after record ${i}: ${byCount[i - 1]!.time.sec} then ${byCount[i]!.time.sec}`);
      }
      for (const f of byCount.slice(-WRITERS)) {
        assert.ok(f.time.sec >= releasedSec, `${f.name} (${text(f).match(/writer \d+/)?.[0]}) stamped ${f.time.sec}, before the lock was free (${releasedSec})`);
      }
      assert.deepEqual(fs.readdirSync(dir), ['card.img'], 'no lock (nor its .break or private file) left');
    }
  });
});
