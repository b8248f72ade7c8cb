/**
 * Crash consistency (docs/reliability.md): the card loses power after N blocks (the device fault
 * `power-loss:N`) for EVERY N across a panic write and across a pmsg flush on a mkimage'd card;
 * afterwards every record complete before the write is recovered byte for byte and the image is
 * readable (`recover` exits 0 or 3). Then real `kill -9`s of a writing process on a file image:
 * older records intact, image readable, the stale lock taken over by the next writer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileBacking, MemoryBacking, lockPathFor } from '../../src/device/backing.js';
import { attachPstore, closeBoard, openBoard, runPanic, writeConsole, writePmsg, type PanicReport } from '../../src/driver/board/index.js';
import { MemoryRegion, PstoreCore, genericBlkDevice, mergeBlkParams, registerPstoreDevice, type BlkParams } from '../../src/zone/index.js';
import { ROOT, runCli, sha256, tempDir } from './helpers.js';
import { spawnTs } from '../helpers/run-cli.js';
import { blankCard } from '../helpers/blank-card.js';
import { runMain } from '../helpers/cli-io.js';

const CARD = 16 << 20;
const PSTORE = 1 << 20;
/** 16 KiB kmsg zones (a panic write is 32 blocks + the header), a 64 KiB pmsg ring; no console (see the todo below). */
const PARAMS: Partial<BlkParams> = { kmsgSize: 16, pmsgSize: 64 };
const READ_ARGS = ['--kmsg-size', '16', '--pmsg-size', '64'];

interface Card {
  bytes: Uint8Array;
  blkdev: string;
  /** the pstore partition in the image */
  off: number;
  len: number;
}

/** A card with a pmsg record (flushed at shutdown) and a Panic record: the "before" state. */
function baselineCard(): Card {
  const r = blankCard({ size: CARD, pstoreSize: PSTORE });
  const b = new MemoryBacking(r.image);
  const part = r.card.layout.partitions.find((p) => p.number === r.card.pstoreNumber)!;
  let s = openBoard({ image: b, seed: 3, bootLogLines: 30 });
  attachPstore(s, { blkdev: r.blkdev, params: PARAMS });
  writePmsg(s, 'old pmsg line\n'.repeat(50));
  closeBoard(s);
  s = openBoard({ image: b, seed: 4, bootLogLines: 40 });
  attachPstore(s, { blkdev: r.blkdev, params: PARAMS });
  assert.equal(runPanic(s, { message: 'the first panic' }).outcome, 'written');
  closeBoard(s);
  return { bytes: b.read(0, CARD), blkdev: r.blkdev, off: part.firstLba * 512, len: (part.lastLba - part.firstLba + 1) * 512 };
}

/** What pstorefs shows for the card's pstore partition: name → bytes. */
function records(card: Card, bytes: Uint8Array): Map<string, Buffer> {
  const part = bytes.slice(card.off, card.off + card.len);
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(part)), mergeBlkParams(PARAMS), { nrCpus: 1 });
  return new Map(new PstoreCore(reg.zone).readFiles().map((f) => [f.name, Buffer.from(f.data)]));
}

/** `mmcpstore recover` on the raw pstore region, in this process: its status and stderr. */
async function recoverStatus(card: Card, bytes: Uint8Array, file: string): Promise<{ code: number; stderr: string }> {
  fs.writeFileSync(file, bytes);
  const r = await runMain(['recover', '-i', file, '--offset', String(card.off), '--size', String(card.len), ...READ_ARGS, '--json']);
  return { code: r.status!, stderr: r.stderr };
}

function assertKept(before: Map<string, Buffer>, after: Map<string, Buffer>, what: string): void {
  for (const [name, data] of before) {
    if (name.startsWith('console-')) continue;
    assert.ok(after.has(name), `${what}: ${name} is gone (now: ${[...after.keys()].join(', ')})`);
    assert.ok(after.get(name)!.equals(data), `${what}: ${name} changed`);
  }
}

describe('power loss after N blocks, for every N', () => {
  const card = baselineCard();
  const before = records(card, card.bytes);

  it('the baseline holds a Panic record and a pmsg record', () => {
    const names = [...before.keys()];
    assert.ok(names.some((n) => n.startsWith('dmesg-')), names.join(', '));
    assert.equal(before.get('pmsg-pstore_blk-0')?.toString(), 'old pmsg line\n'.repeat(50));
  });

  it('across a panic write: older records intact, recover exits 0 or 3, never crashes', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'part.img');
    const outcomes: string[] = [];
    let firstWritten = -1;
    for (let n = 0; n <= 40; n++) {
      const m = new MemoryBacking(card.bytes);
      const s = openBoard({ image: m, seed: 6, bootLogLines: 30 });
      attachPstore(s, { blkdev: card.blkdev, params: PARAMS });
      let rep: PanicReport;
      try {
        rep = runPanic(s, { message: `second panic, power lost after ${n} blocks`, scenario: { fault: `power-loss:${n}` } });
      } finally {
        closeBoard(s);
      }
      outcomes.push(rep.outcome);
      const bytes = m.read(0, CARD);
      const after = records(card, bytes);
      assertKept(before, after, `power-loss:${n}`);
      const r = await recoverStatus(card, bytes, file);
      assert.ok(r.code === 0 || r.code === 3, `power-loss:${n}: recover exited ${r.code}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
      if (rep.outcome === 'written') {
        if (firstWritten < 0) firstWritten = n;
        // the new record is there in full once every block reached the card
        assert.ok([...after.keys()].some((k) => !before.has(k) && k.startsWith('dmesg-') && !k.endsWith('.enc.z') && after.get(k)!.includes('second panic')), `power-loss:${n}`);
      }
    }
    assert.ok(outcomes.includes('lost'), 'the fault cut some writes short');
    assert.ok(firstWritten > 0 && outcomes.slice(firstWritten).every((o) => o === 'written'), `from some N on every panic is written: ${outcomes.join(' ')}`);
  });

  it('across a pmsg write and its flush at shutdown: older records intact, pmsg never garbage', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'part.img');
    const first = 'same-boot line written before the fault\n'.repeat(40);
    const added = 'new pmsg line\n'.repeat(300);
    const old = before.get('pmsg-pstore_blk-0')!.toString();
    // One boot without a fault: the reference result, and the number of blocks it takes.
    const run = (fault: string | undefined): Uint8Array => {
      const m = new MemoryBacking(card.bytes);
      const s = openBoard({ image: m, seed: 6, bootLogLines: 0 });
      try {
        attachPstore(s, { blkdev: card.blkdev, params: PARAMS });
        writePmsg(s, first);
        if (fault) s.board.faults.add(fault);
        writePmsg(s, added);
      } finally {
        closeBoard(s);
      }
      return m.read(0, CARD);
    };
    const ref = run(undefined);
    assert.equal(records(card, ref).get('pmsg-pstore_blk-0')?.toString(), first + added, 'a new boot\'s pmsg replaces the old boot\'s');
    let reachedFull = -1;
    const shapes = new Set<string>();
    for (let n = 0; n <= 64 && reachedFull < 0; n++) {
      const bytes = run(`power-loss:${n}`);
      const after = records(card, bytes);
      assertKept(new Map([...before].filter(([k]) => k.startsWith('dmesg-'))), after, `power-loss:${n}`);
      const p = after.get('pmsg-pstore_blk-0')?.toString() ?? '';
      const now = first + added;
      // What this boot wrote before the fault is kept whole…
      if (p.length >= first.length) assert.equal(p.slice(0, first.length), first, `power-loss:${n}: the lines written before the fault`);
      // …and every byte shown is one that was written there, by this boot or the previous one: never garbage.
      for (let i = 0; i < p.length; i++) {
        if (p[i] !== now[i] && p[i] !== old[i]) assert.fail(`power-loss:${n}: pmsg byte ${i} is ${JSON.stringify(p[i])}, neither old nor new`);
      }
      shapes.add(p === now ? 'complete' : p.length <= old.length && p !== old ? 'torn over the old boot' : p.length < now.length ? 'prefix' : 'other');
      const r = await recoverStatus(card, bytes, file);
      assert.ok(r.code === 0 || r.code === 3, `power-loss:${n}: recover exited ${r.code}: ${r.stderr}`);
      if (sha256(bytes) === sha256(ref)) reachedFull = n;
    }
    assert.ok(reachedFull > 0, 'some N lets the whole write through, so every shorter N was tried');
    assert.ok(shapes.has('complete'));
  });

  it(
    'with a console zone too: an I/O error during a pmsg or console write is reported, not a deadlock',
    () => {
      const r = blankCard({ size: CARD, pstoreSize: PSTORE });
      const b = new MemoryBacking(r.image);
      for (const n of [0, 1, 3]) {
        const m = new MemoryBacking(b.read(0, CARD));
        const s = openBoard({ image: m, seed: 6, bootLogLines: 5, faults: `power-loss:${n}` });
        try {
          attachPstore(s, { blkdev: r.blkdev, params: { kmsgSize: 16, pmsgSize: 64, consoleSize: 64 } });
          writePmsg(s, 'pmsg\n'.repeat(100));
          writeConsole(s, 'console\n'.repeat(100));
        } finally {
          closeBoard(s);
        }
      }
    },
  );
});

describe('kill -9 of a writing process', () => {
  it('older records intact, image readable, the stale lock taken over by the next writer', async (t) => {
    const dir = tempDir(t);
    const card = baselineCard();
    const image = path.join(dir, 'card.img');
    fs.writeFileSync(image, card.bytes);
    const before = records(card, card.bytes);
    const panicName = [...before.keys()].find((n) => n.startsWith('dmesg-'))!;
    const script = path.join(dir, 'writer.ts');
    const url = (p: string): string => JSON.stringify(new URL(`file://${path.join(ROOT, p)}`).href);
    fs.writeFileSync(
      script,
      `import { FileBacking } from ${url('src/device/backing.ts')};
import { attachPstore, closeBoard, openBoard, runPanic, writePmsg } from ${url('src/driver/board/index.ts')};
const [image, blkdev] = process.argv.slice(2);
process.stdout.write('ready\\n');
for (let i = 0; ; i++) {
  const s = openBoard({ image, openImage: (p, ro) => FileBacking.open(p, { mode: ro ? 'ro' : 'rw' }), seed: i, bootLogLines: 10 });
  attachPstore(s, { blkdev, params: ${JSON.stringify(PARAMS)} });
  writePmsg(s, 'boot ' + i + ' pmsg\\n'.repeat(100));
  if (i % 4 === 3) runPanic(s, { message: 'writer panic ' + i });
  closeBoard(s);
}
`,
    );
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 3; round++) {
      const child = spawnTs(script, [image, card.blkdev], { env: { NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (c) => reject(new Error(`writer exited ${c} before it was ready: ${stderr}`)));
      });
      await new Promise((r) => setTimeout(r, 300 + Math.floor(rand() * 900)));
      const exited = new Promise((r) => child.once('exit', r));
      assert.ok(child.kill('SIGKILL'));
      await exited;
      assert.equal(stderr, '', 'the writer itself never failed');

      const lock = lockPathFor(image);
      if (fs.existsSync(lock)) {
        const owner = JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number; host: string };
        assert.equal(owner.pid, child.pid, 'the lock left behind is the killed writer\'s');
        assert.equal(owner.host, os.hostname());
      }
      // A reading command ignores the dead writer's lock and reads the image.
      const r = runCli(['recover', '-i', image, '--offset', String(card.off), '--size', String(card.len), ...READ_ARGS, '--json', '-q']);
      assert.ok(r.status === 0, `round ${round}: recover exited ${r.status}: ${r.stderr}`);
      const names = r.stdout.toString().trim().split('\n').map((l) => (JSON.parse(l) as { name?: string }).name);
      assert.ok(names.includes(panicName), `round ${round}: ${panicName} is still listed`);
      const after = records(card, new Uint8Array(fs.readFileSync(image)));
      assert.ok(after.get(panicName)?.equals(before.get(panicName)!), `round ${round}: ${panicName} is byte for byte the same`);

      // The next writer takes the stale lock over, holds it, and releases it.
      const next = FileBacking.open(image, { mode: 'rw' });
      const mine = JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number };
      assert.equal(mine.pid, process.pid);
      next.close();
      assert.equal(fs.existsSync(lock), false);
    }
  });
});
