/**
 * Two processes writing the same image, at the library level (FileBacking's waitSeconds): the
 * second writer waits for the first process to release the lock, the two never interleave, and a
 * lock left by a killed process is taken over; a CLI writer without --wait fails at once with 75
 * naming the holder. test/device/backing.test.ts covers the single-process cases; writers.test.ts
 * many CLI writers with --wait; signals.test.ts signals.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { FileBacking, ImageLockedError, MemoryBacking, lockPathFor } from '../../src/device/backing.js';
import { describeOwner, procCmdline } from '../../src/lib/image-lock.js';
import { mkimage } from '../../src/driver/board/index.js';
import { MemoryRegion, PstoreCore, genericBlkDevice, mergeBlkParams, registerPstoreDevice } from '../../src/zone/index.js';
import { COMMANDS } from '../../src/commands/index.js';
import { EXIT } from '../../src/reader/errors.js';
import { ROOT, oneLine, runCli, tempDir } from './helpers.js';
import { spawnTs } from '../helpers/run-cli.js';

const CARD = 16 << 20;
const PARAMS = { kmsgSize: 16, pmsgSize: 64 };

function makeCard(file: string): { blkdev: string; off: number; len: number } {
  const b = new MemoryBacking(CARD);
  const r = mkimage({ image: b, size: CARD, pstoreSize: 1 << 20, seed: 1 });
  fs.writeFileSync(file, b.read(0, CARD));
  const part = r.card.layout.partitions.find((p) => p.number === r.card.pstoreNumber)!;
  return { blkdev: r.blkdev, off: part.firstLba * 512, len: (part.lastLba - part.firstLba + 1) * 512 };
}

const url = (p: string): string => JSON.stringify(new URL(`file://${path.join(ROOT, p)}`).href);

/** A node process running the TypeScript `code` (written to dir/name.ts); resolves once it printed `ready`. */
async function startScript(dir: string, name: string, code: string, args: string[]): Promise<{ child: ChildProcess; out: () => string; exited: Promise<number | null> }> {
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(file, code);
  const child = spawnTs(file, args, { env: { NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (out.includes('ready\n')) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then((c) => reject(new Error(`${name} exited ${c} before ready: ${err}`)));
  });
  return { child, out: () => out, exited };
}

const HOLDER = `import { FileBacking } from ${url('src/device/backing.ts')};
const [image, ms] = process.argv.slice(2);
const b = FileBacking.open(image, { mode: 'rw' });
process.stdout.write('ready\\n');
if (ms === 'forever') setInterval(() => {}, 1000);
else setTimeout(() => { b.close(); process.stdout.write('released ' + Date.now() + '\\n'); }, Number(ms));
`;

describe('two processes, one image', () => {
  it('the second writer waits for the first process to release the lock (FileBacking waitSeconds); without waiting it is refused', async (t) => {
    const dir = tempDir(t);
    const image = path.join(dir, 'card.img');
    fs.writeFileSync(image, new Uint8Array(1 << 20));
    const holder = await startScript(dir, 'holder', HOLDER, [image, '1500']);
    assert.throws(
      () => FileBacking.open(image, { mode: 'rw' }),
      (e: unknown) => e instanceof ImageLockedError && e.owner?.pid === holder.child.pid,
    );
    // Atomics.wait blocks this thread, so the holder's release is read from its exit afterwards.
    const t0 = Date.now();
    const b = FileBacking.open(image, { mode: 'rw', waitSeconds: 20, pollMs: 50 });
    const acquired = Date.now();
    assert.equal((JSON.parse(fs.readFileSync(lockPathFor(image), 'utf8')) as { pid: number }).pid, process.pid);
    b.close();
    await holder.exited;
    const released = Number(/released (\d+)/.exec(holder.out())?.[1]);
    assert.ok(acquired >= released, `acquired at ${acquired}, released at ${released}`);
    assert.ok(acquired - t0 >= 500, 'it did wait');
  });

  it(
    'a CLI writer refuses at once with 75 and one line naming the owner (without --wait)',
    { skip: COMMANDS.some((c) => c.name === 'pmsg') ? false : 'no pmsg command' },
    async (t) => {
      const dir = tempDir(t);
      const image = path.join(dir, 'card.img');
      makeCard(image);
      const before = fs.readFileSync(image);
      const holder = await startScript(dir, 'holder', HOLDER, [image, 'forever']);
      try {
        const r = runCli(['pmsg', '-i', image, '--pmsg-size', '64', 'hello from the second writer']);
        assert.equal(r.status, EXIT.tempFail, r.stderr);
        // the holder named by pid, host and command line (what /proc shows for it)
        const cmd = procCmdline(holder.child.pid!);
        assert.ok(cmd?.includes('holder.ts'), cmd);
        const shown = describeOwner({ pid: holder.child.pid!, host: (await import('node:os')).hostname(), cmd });
        assert.match(shown, /, running '.* forever'$/, 'the end of its command line: its arguments');
        assert.equal(oneLine(r.stderr), `mmcpstore: image '${image}' is locked by ${shown} (${image}.lock); try again when it has finished`);
        assert.ok(fs.readFileSync(image).equals(before), 'nothing was written');
      } finally {
        holder.child.kill('SIGKILL');
        await holder.exited;
      }
      // the holder was killed: its lock is stale and the next CLI writer takes it over
      assert.ok(fs.existsSync(lockPathFor(image)));
      const again = runCli(['pmsg', '-i', image, '--pmsg-size', '64', 'after the takeover']);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(fs.existsSync(lockPathFor(image)), false, 'released at the end');
    },
  );

  it('two writer processes started together never interleave: each boot-write-panic-shutdown is whole', async (t) => {
    const dir = tempDir(t);
    const image = path.join(dir, 'card.img');
    const card = makeCard(image);
    const writer = `import { FileBacking } from ${url('src/device/backing.ts')};
import { attachPstore, closeBoard, openBoard, runPanic, writePmsg } from ${url('src/driver/board/index.ts')};
const [image, blkdev, tag] = process.argv.slice(2);
process.stdout.write('ready\\n');
const s = openBoard({ image, openImage: (p, ro) => FileBacking.open(p, { mode: ro ? 'ro' : 'rw', waitSeconds: 60, pollMs: 20 }), seed: 1, bootLogLines: 20 });
const t0 = Date.now();
attachPstore(s, { blkdev, params: ${JSON.stringify(PARAMS)} });
for (let i = 0; i < 50; i++) writePmsg(s, tag + ' pmsg line ' + i + '\\n');
const rep = runPanic(s, { message: tag + ' panic' });
closeBoard(s);
process.stdout.write('held ' + t0 + ' ' + Date.now() + ' ' + rep.outcome + '\\n');
`;
    const a = await startScript(dir, 'writer-a', writer, [image, card.blkdev, 'writer-A']);
    const b = await startScript(dir, 'writer-b', writer, [image, card.blkdev, 'writer-B']);
    assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0]);
    const span = (out: string): [number, number] => {
      const m = /held (\d+) (\d+) written/.exec(out);
      assert.ok(m, `the writer reports a written panic: ${out}`);
      return [Number(m[1]), Number(m[2])];
    };
    const [a0, a1] = span(a.out());
    const [b0, b1] = span(b.out());
    assert.ok(a1 <= b0 || b1 <= a0, `the lock was held by one at a time: A ${a0}-${a1}, B ${b0}-${b1}`);
    assert.equal(fs.existsSync(lockPathFor(image)), false);
    // Both panics are whole records; pmsg is exactly the later writer's, not a mix.
    const part = new Uint8Array(fs.readFileSync(image)).slice(card.off, card.off + card.len);
    const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(part)), mergeBlkParams(PARAMS), { nrCpus: 1 });
    const files = new PstoreCore(reg.zone).readFiles();
    const text = (f: { data: Uint8Array }): string => Buffer.from(f.data).toString('latin1');
    const dmesg = files.filter((f) => f.name.startsWith('dmesg-')).map(text);
    assert.equal(dmesg.length, 2, files.map((f) => f.name).join(', '));
    assert.ok(dmesg.some((d) => d.includes('writer-A panic')) && dmesg.some((d) => d.includes('writer-B panic')));
    const later = a1 <= b0 ? 'writer-B' : 'writer-A';
    const pmsg = files.find((f) => f.name === 'pmsg-pstore_blk-0');
    assert.equal(pmsg && text(pmsg), Array.from({ length: 50 }, (_, i) => `${later} pmsg line ${i}\n`).join(''));
    const r = runCli(['recover', '-i', image, '--offset', String(card.off), '--size', String(card.len), '--kmsg-size', '16', '--pmsg-size', '64', '-q']);
    assert.equal(r.status, 0, r.stderr);
  });
});
