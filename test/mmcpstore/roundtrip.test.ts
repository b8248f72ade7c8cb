import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { closeBoard, recoverFiles, runPanic, writeConsole, writePmsg } from '../../src/driver/board/index.js';
import type { TransferKind } from '../../src/driver/sdhci/sdhci.js';
import { blankCard, dec, session } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('mkimage → attach → panic → next boot recovers the record', () => {
  for (const transfer of ['adma2', 'sdma', 'pio'] as TransferKind[]) {
    it(`gives back exactly the logged text over ${transfer}`, () => {
      const { image, blkdev } = blankCard();
      const back = new MemoryBacking(image);
      const s = session(back, blkdev, { transfer }, { related: { compress: 'none' } });
      const rep = runPanic(s, { message: `oh no over ${transfer}`, userLog: ['<6>[ 99.000000] last words before the crash'] });
      const atDump = s.syslog();
      assert.equal(rep.outcome, 'written', rep.reason);
      assert.equal(rep.zone, 0);
      assert.ok(rep.panicWriteNs >= 60e6, 'at least the 60 ms of fixed busy-waits');
      closeBoard(s);

      const s2 = session(back, blkdev, { transfer, seed: 9 }, { related: { compress: 'none' } });
      const files = recoverFiles(s2);
      const d = files.find((f) => f.name === 'dmesg-pstore_blk-0');
      assert.ok(d, files.map((f) => f.name).join());
      const text = dec.decode(d.data);
      assert.ok(text.startsWith('Panic: Total 1 times\nPanic#1 Part1\n'), text.slice(0, 60));
      // the record is a contiguous run of the kernel log ending at the dump (panic message, stack, SMP stop)
      const body = text.slice('Panic: Total 1 times\nPanic#1 Part1\n'.length);
      assert.ok(atDump.includes(body), 'record is a contiguous piece of the kernel log');
      assert.match(body, /Kernel panic - not syncing: [^\n]*\n(?:[^\n]*\n){0,30}$/);
      assert.ok(body.includes(`Kernel panic - not syncing: oh no over ${transfer}\n`));
      assert.ok(body.includes('last words before the crash'));
      closeBoard(s2);
    });
  }

  it('compressed records round-trip too (deflate)', () => {
    const { image, blkdev } = blankCard();
    const back = new MemoryBacking(image);
    const s = session(back, blkdev);
    const rep = runPanic(s, { message: 'compressed' });
    assert.equal(rep.outcome, 'written');
    assert.equal(rep.compressed, true);
    assert.ok(rep.compressedSize! < rep.textSize!);
    closeBoard(s);
    const d = recoverFiles(session(back, blkdev, { seed: 5 })).find((f) => f.name === 'dmesg-pstore_blk-0')!;
    assert.equal(d.compressed, false);
    assert.match(dec.decode(d.data), /^Panic#1 Part1\n[\s\S]*Kernel panic - not syncing: compressed\n/);
  });

  it('several panics in a row rotate the kmsg zones with growing counters', () => {
    const { image, blkdev } = blankCard();
    const back = new MemoryBacking(image);
    for (let i = 1; i <= 3; i++) {
      const s = session(back, blkdev, { seed: 10 + i });
      const rep = runPanic(s, { message: `panic ${i}` });
      assert.equal(rep.outcome, 'written');
      assert.equal(rep.zone, i - 1);
      assert.equal(rep.counter, i);
      closeBoard(s);
    }
    const files = recoverFiles(session(back, blkdev, { seed: 99 })).filter((f) => f.typeName === 'dmesg');
    assert.deepEqual(files.map((f) => [f.name, f.count]), [
      ['dmesg-pstore_blk-0', 1],
      ['dmesg-pstore_blk-1', 2],
      ['dmesg-pstore_blk-2', 3],
    ]);
    assert.ok(dec.decode(files[2]!.data).includes('panic 3'));
  });

  it('pmsg and console written before survive a later panic', () => {
    const { image, blkdev } = blankCard();
    const back = new MemoryBacking(image);
    const params = { kmsgSize: 64, pmsgSize: 16, consoleSize: 16 };
    const s = session(back, blkdev, {}, { params });
    assert.equal(writePmsg(s, 'hello from userspace\n'), 0);
    assert.equal(writeConsole(s, 'console line\n'), 0);
    assert.equal(runPanic(s, { message: 'after pmsg' }).outcome, 'written');
    closeBoard(s);
    const files = recoverFiles(session(back, blkdev, { seed: 2 }, { params }));
    assert.equal(dec.decode(files.find((f) => f.name === 'pmsg-pstore_blk-0')!.data), 'hello from userspace\n');
    assert.ok(dec.decode(files.find((f) => f.name === 'console-pstore_blk-0')!.data).includes('console line\n'));
    assert.ok(files.some((f) => f.name === 'dmesg-pstore_blk-0'));
  });
});

describe('the panic path stays in atomic context', () => {
  it('no sleeping wait, IRQs off at every step, no lock held by a stopped CPU taken', () => {
    const { image, blkdev } = blankCard();
    const s = session(new MemoryBacking(image), blkdev);
    const rep = runPanic(s, { message: 'atomic', scenario: { lockHeld: 'host' } });
    assert.equal(rep.outcome, 'written');
    assert.deepEqual(rep.atomicSleeps, []);
    assert.equal(rep.irqsOffThroughout, true);
    assert.ok(rep.phases.some((p) => p.name === 'poll') && rep.phases.some((p) => p.name === 'prepare'));
    // CPU1 stopped holding mmc_host->lock; CPU0 never took it (force-claim), and took only free locks
    const stopped = rep.cpuTrace.find((e) => e.kind === 'stopped' && e.cpu === 1);
    assert.match(stopped!.detail!, /holds mmc_host->lock/);
    const takenByCpu0 = rep.cpuTrace.filter((e) => e.kind === 'lock' && e.cpu === 0).map((e) => e.lock);
    assert.ok(!takenByCpu0.includes('mmc_host->lock'));
    assert.ok(takenByCpu0.includes('sdhci_host->lock'), 'the request went through sdhci_request()');
    assert.ok(!rep.cpuTrace.some((e) => e.kind === 'deadlock'));
    assert.equal(s.stack.cpu.stats.hardIrqs > 0, true); // boot was interrupt driven …
  });

  it('no hard IRQ is serviced during the panic write', () => {
    const { image, blkdev } = blankCard();
    const s = session(new MemoryBacking(image), blkdev);
    const before = s.stack.cpu.stats.hardIrqs;
    assert.equal(runPanic(s, { message: 'polled' }).outcome, 'written');
    assert.equal(s.stack.cpu.stats.hardIrqs, before);
  });
});

describe('oops and erase', () => {
  it('an oops is deferred with -EBUSY and stored by the flusher; erase removes it', async () => {
    const { runOops, erase } = await import('../../src/driver/board/index.js');
    const { image, blkdev } = blankCard();
    const back = new MemoryBacking(image);
    const s = session(back, blkdev);
    const rep = runOops(s, 'Unable to handle kernel NULL pointer dereference');
    assert.equal(rep.outcome, 'written', rep.reason);
    assert.ok(s.pstore!.ctx.stats.ebusy > 0, 'the dump in atomic context got -EBUSY');
    closeBoard(s);
    const s2 = session(back, blkdev, { seed: 8 });
    const d = recoverFiles(s2).find((f) => f.name === 'dmesg-pstore_blk-0');
    assert.equal(d?.reasonName, 'Oops');
    assert.equal(erase(s2, 'dmesg-pstore_blk-0'), 0);
    closeBoard(s2);
    assert.equal(recoverFiles(session(back, blkdev, { seed: 9 })).some((f) => f.typeName === 'dmesg'), false);
  });
});

describe('image files', () => {
  it('mkimage writes a file through the stack; a session over it locks and unlocks it', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { FileBacking } = await import('../../src/device/backing.js');
    const { mkimage, openBoard, attachPstore, runPanic } = await import('../../src/driver/board/index.js');
    const dir = tempDir(undefined, 'mmcpstore-');
    const image = path.join(dir, 'card.img');
    const openImage = (p: string, ro: boolean) => FileBacking.open(p, { mode: ro ? 'ro' : 'rw' });
    const r = mkimage({ image, size: 16 << 20, pstoreSize: 1 << 20, seed: 1, openImage });
    assert.equal(fs.statSync(image).size, 16 << 20);
    assert.equal(r.blkdev, '/dev/mmcblk0p6');
    const s = openBoard({ image, openImage, seed: 1 });
    assert.ok(fs.existsSync(`${image}.lock`));
    attachPstore(s, { blkdev: r.blkdev });
    assert.equal(runPanic(s, { message: 'to a file' }).outcome, 'written');
    closeBoard(s);
    assert.ok(!fs.existsSync(`${image}.lock`));
    const ro = openBoard({ image, openImage, readOnly: true, seed: 2 });
    attachPstore(ro, { blkdev: r.blkdev });
    assert.ok(recoverFiles(ro).some((f) => f.name === 'dmesg-pstore_blk-0'));
    closeBoard(ro);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('trace', () => {
  it('a recording tracer puts the panic write\'s register/card events into the report', async () => {
    const { Tracer } = await import('../../src/device/trace.js');
    const { image, blkdev } = blankCard();
    const trace = new Tracer({ enable: 'sdhci_send_command,sdcard_command', record: true, sink: () => {} });
    const s = session(new MemoryBacking(image), blkdev, { trace });
    const rep = runPanic(s, { message: 'traced' });
    assert.equal(rep.outcome, 'written');
    assert.ok(rep.trace!.some((l) => /CMD25|cmd 25|\b25\b/.test(l)), rep.trace!.slice(0, 5).join('\n'));
  });
});
