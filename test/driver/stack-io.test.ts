/**
 * Reads and writes of arbitrary sector ranges through the whole stack (block layer → core → SDHCI
 * driver → MMIO → controller → card) equal the bytes the card stores, for PIO, SDMA and ADMA2,
 * single and multi-block, on every hardware partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as R from '../../src/hw/sdhci-regs.js';
import { DMA_LAYOUT } from '../../src/driver/sdhci/dma.js';
import { SDHCI_AUTO_CMD23, SDHCI_USE_64_BIT_DMA, SDHCI_USE_ADMA, SDHCI_USE_SDMA } from '../../src/driver/sdhci/sdhci.js';
import { TRANSFERS, makeRig, partitionBytes, randomBytes } from './helpers.js';

for (const transfer of TRANSFERS) {
  test(`${transfer}: random sector ranges on user, boot0, boot1 and rpmb match the card's bytes`, () => {
    const { board, stack } = makeRig({ transfer, size: 2 << 20, trace: 'sdhci_send_command,sdhci_dma,sdhci_adma_desc' });
    const engine = stack.sdhci.flags;
    if (transfer === 'adma2') assert.ok(engine & SDHCI_USE_ADMA && engine & SDHCI_USE_64_BIT_DMA && engine & SDHCI_AUTO_CMD23);
    if (transfer === 'sdma') assert.ok(engine & SDHCI_USE_SDMA && !(engine & SDHCI_USE_ADMA) && !(engine & SDHCI_AUTO_CMD23));
    if (transfer === 'pio') assert.equal(engine & (SDHCI_USE_SDMA | SDHCI_USE_ADMA), 0);
    const devices = stack.devices;
    assert.deepEqual(devices.map((d) => d.name), ['mmcblk0', 'mmcblk0boot0', 'mmcblk0boot1', 'mmcblk0rpmb']);
    let seed = 1;
    fc.assert(
      fc.property(fc.nat(devices.length - 1), fc.nat(), fc.integer({ min: 1, max: 300 }), fc.boolean(), (di, at, count, write) => {
        const dev = devices[di]!;
        const n = Math.min(count, dev.sectors);
        const lba = at % (dev.sectors - n + 1);
        if (write) {
          const data = randomBytes(n * 512, seed++);
          dev.writeSectors(lba, data);
          assert.deepEqual(partitionBytes(board, dev.partType, lba * 512, n * 512), data);
        }
        assert.deepEqual(dev.readSectors(lba, n), partitionBytes(board, dev.partType, lba * 512, n * 512));
      }),
      { seed: 4242, numRuns: 40 },
    );
    assert.equal(board.controller.counters.guestErrors, 0, 'the driver never misprograms the controller');
    const rec = board.tracer.records;
    if (transfer === 'pio') assert.ok(!rec.some((r) => r.event === 'sdhci_dma'), 'PIO moves data through the buffer port only');
    else assert.ok(rec.some((r) => r.event === 'sdhci_dma'));
    if (transfer === 'adma2') {
      assert.ok(rec.some((r) => r.event === 'sdhci_adma_desc'));
      const first = R.decodeAdma2Descriptor(board.memory.read(DMA_LAYOUT.admaTable, R.ADMA2_DESC64_SIZE), true);
      assert.equal(first.attr, R.ADMA2_TRAN_VALID);
      assert.ok(first.address >= 2 ** 32, 'data pages above 4 GiB: 64-bit descriptors');
    }
    // SDMA has no Auto-CMD23: the driver sends CMD23 itself before CMD18/CMD25
    const cmds = rec.filter((r) => r.event === 'sdhci_send_command').map((r) => Number(/CMD(\d+)/.exec(r.line)![1]));
    const manual23 = cmds.some((c, i) => c === 23 && (cmds[i + 1] === 18 || cmds[i + 1] === 25));
    assert.equal(manual23, transfer === 'sdma');
  });
}

test('a multi-block read crossing SDMA 512 KiB boundaries is restarted by the DMA interrupt', () => {
  const { board, stack } = makeRig({ transfer: 'sdma', size: 2 << 20, trace: 'sdhci_irq' });
  // 128 sectors = 64 KiB, the bounce buffer size: starts 16 KiB before a boundary
  const got = stack.devices[0]!.readSectors(100, 128);
  assert.deepEqual(got, partitionBytes(board, 0, 100 * 512, 128 * 512));
  // requests beyond the bounce buffer are split by the block layer
  assert.equal(stack.host.maxReqSize, 64 * 1024);
  const big = randomBytes(300 * 512, 5);
  stack.devices[0]!.writeSectors(7, big);
  assert.deepEqual(partitionBytes(board, 0, 7 * 512, big.length), big);
});

test('the normal path is interrupt driven: requests complete through the IRQ handler', () => {
  const { stack } = makeRig({ transfer: 'adma2', size: 1 << 20 });
  const before = stack.cpu.stats.hardIrqs;
  stack.devices[0]!.readSectors(0, 16);
  assert.ok(stack.cpu.stats.hardIrqs > before);
  // Linux's default interrupt enables plus the DMA/Auto-CMD error bits after a DMA request
  const ier = stack.sdhci.readl(R.NORMAL_INT_STATUS_ENABLE);
  assert.equal(ier & R.INT_DEFAULT_ENABLE, R.INT_DEFAULT_ENABLE);
  assert.ok(ier & R.INT.ADMA_ERROR && ier & R.INT.AUTO_CMD_ERR);
});

test('byte-addressed and sector-addressed cards give the same data', () => {
  for (const addressing of ['byte', 'sector'] as const) {
    const { board, stack } = makeRig({ size: 1 << 20, addressing });
    assert.equal(stack.card.blockaddr, addressing === 'sector');
    const data = randomBytes(3 * 512, 77);
    stack.devices[0]!.writeSectors(1000, data);
    assert.deepEqual(partitionBytes(board, 0, 1000 * 512, data.length), data);
  }
});
