/**
 * Card initialisation: the commands on the wire are Linux's §4.8 sequence (SDIO/SD probes, CMD1
 * loop, CID/RCA/CSD/select, EXT_CSD, the CMD6 switches with their CMD13 checks, EXT_CSD compare
 * after the bus-width change), and what the core decoded from CID/CSD/EXT_CSD is what the card has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { EXT_CSD } from '../../src/driver/mmc/mmc-ops.js';
import { makeRig } from './helpers.js';

const le32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

test('the command sequence on the trace is the Linux eMMC init sequence', () => {
  const { tracer } = makeRig({ size: 1 << 20, trace: 'sdhci_send_command' });
  const seq = tracer!.records.map((r) => {
    const m = /CMD(\d+) ARG\[0x([0-9a-f]+)\] word 0x([0-9a-f]+)/.exec(r.line)!;
    return `${Number(m[1])}:${m[2]}:${m[3]}`;
  });
  const initEnd = seq.findIndex((s) => s.startsWith('17:') || s.startsWith('18:'));
  const busy = '1:40ff8080:0102';
  const expected = [
    '52:00000c00:341a', // sdio_reset: read CCCR ABORT
    '52:80000c08:341a', // write ABORT with RES
    '0:00000000:0000', // mmc_go_idle
    '8:000001aa:081a', // SD SEND_IF_COND
    ...Array(4).fill('5:00000000:0502'), // SDIO op cond, MMC_CMD_RETRIES
    ...Array(4).fill('55:00000000:371a'), // SD app cmd ×4
    '1:00000000:0102', // MMC probe, card busy → re-sent with its OCR | bit 30
    busy,
    busy,
    '0:00000000:0000',
    '1:40300000:0102', // sector-mode OCR, 3.2–3.4 V
    '2:00000000:0209',
    '3:00010000:031a',
    '9:00010000:0909',
    '7:00010000:071a',
    '8:00000000:083a', // EXT_CSD
    '6:03af0101:061b', // ERASE_GROUP_DEF
    '13:00010000:0d1a',
    '6:03220101:061b', // POWER_OFF_NOTIFICATION (rev ≥ 6)
    '13:00010000:0d1a',
    '6:03b90101:061b', // HS_TIMING = 1
    '13:00010000:0d1a',
    '6:03b70201:061b', // BUS_WIDTH = 8
    '13:00010000:0d1a',
    '8:00000000:083a', // EXT_CSD re-read and compared
    '6:03a10101:061b', // HPI_MGMT
    '13:00010000:0d1a',
  ];
  assert.deepEqual(seq.slice(0, initEnd), expected);
});

test('CID, CSD and EXT_CSD as parsed match the card', () => {
  const { board, stack } = makeRig({ size: 3 << 20, layout: { kind: 'user-area', bootSize: 2 << 20, rpmbSize: 256 << 10, gpSizes: [1 << 20] } });
  const card = stack.card;
  const dev = board.card;
  // raw R2 words: bytes 0..14 of the register, CRC stripped
  const cidBytes = Uint8Array.from(card.rawCid.flatMap((w) => [w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff]));
  assert.deepEqual(cidBytes.subarray(0, 15), dev.cid.subarray(0, 15));
  assert.equal(card.cid.manfid, 0xfe);
  assert.equal(card.cid.prodName, 'MMCPST');
  const ext = dev.extCsd;
  assert.equal(card.extCsd.sectors, le32(ext, EXT_CSD.SEC_CNT));
  assert.equal(card.extCsd.sectors, (3 << 20) / 512);
  assert.equal(card.extCsd.rev, ext[EXT_CSD.REV]);
  assert.equal(card.extCsd.rev, 8);
  assert.equal(card.extCsd.cardType, ext[EXT_CSD.CARD_TYPE]);
  assert.equal(card.extCsd.hsMaxDtr, 52_000_000);
  assert.equal(card.extCsd.partConfig & 7, 0);
  assert.equal(card.extCsd.bootMult, ext[EXT_CSD.BOOT_MULT]);
  assert.deepEqual(
    card.parts.map((p) => [p.name, p.size]),
    [
      ['boot0', 2 << 20],
      ['boot1', 2 << 20],
      ['gp0', 1 << 20],
      ['rpmb', 256 << 10],
    ],
  );
  assert.deepEqual(stack.devices.map((d) => d.name), ['mmcblk0', 'mmcblk0boot0', 'mmcblk0boot1', 'mmcblk0gp0', 'mmcblk0rpmb']);
  // the card accepted every switch: HS timing, 8-bit, HPI on
  assert.equal(ext[EXT_CSD.HS_TIMING], 1);
  assert.equal(ext[EXT_CSD.BUS_WIDTH], 2);
  assert.equal(ext[EXT_CSD.ERASE_GROUP_DEF], 1);
  assert.equal(ext[EXT_CSD.HPI_MGMT], 1);
  assert.equal(card.csd.structure, 3 & (dev.csd[0]! >> 6));
  assert.ok(card.csd.taacNs > 0);
});

test('after init the host runs the card at 50 MHz (52 MHz requested), 8-bit, high speed', () => {
  const { board, stack } = makeRig({ size: 1 << 20 });
  const bus = board.controller.busConfig();
  assert.equal(bus.width, 8);
  assert.equal(bus.clockHz, 50_000_000);
  assert.equal(stack.host.ios.timing, 'mmc-hs');
  assert.equal(stack.host.actualClock, 50_000_000);
  const hc1 = stack.sdhci.readb(R.HOST_CONTROL1);
  assert.ok(R.isSet(R.HC1.HIGH_SPEED, hc1) && R.isSet(R.HC1.EXT_DATA_WIDTH_8BIT, hc1));
  assert.equal(R.clockDivider(stack.sdhci.readw(R.CLOCK_CONTROL)), 2);
  assert.equal(stack.sdhci.readb(R.POWER_CONTROL), 0x0f);
  assert.ok(stack.card.name === 'mmc0:0001');
});
