import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';

test('command words match the values Linux writes for eMMC (spec §1.3)', () => {
  assert.equal(R.mmcCommandWord(0, 'none'), 0x0000);
  assert.equal(R.mmcCommandWord(1, 'r3'), 0x0102);
  assert.equal(R.mmcCommandWord(2, 'r2'), 0x0209);
  assert.equal(R.mmcCommandWord(3, 'r1'), 0x031a);
  assert.equal(R.mmcCommandWord(6, 'r1b'), 0x061b);
  assert.equal(R.mmcCommandWord(8, 'r1', true), 0x083a);
  assert.equal(R.mmcCommandWord(17, 'r1', true), 0x113a);
  assert.equal(R.mmcCommandWord(25, 'r1', true), 0x193a);
  assert.equal(R.mmcCommandWord(38, 'r1b'), 0x261b);
  assert.deepEqual(R.decodeCommand(0x193a), {
    index: 25, responseType: R.RESPONSE_TYPE.R48, crcCheck: true, indexCheck: true, dataPresent: true, type: 0,
  });
});

test('the default capabilities decode to the recommended controller (spec §1.10)', () => {
  const cap = R.CAPABILITIES0.reset;
  assert.equal(cap, 0x156cc881);
  assert.equal(R.get(R.CAP0.BASE_CLOCK_MHZ, cap), 200);
  assert.equal(R.get(R.CAP0.TIMEOUT_CLOCK_FREQ, cap), 1);
  for (const f of [R.CAP0.SDMA, R.CAP0.ADMA2, R.CAP0.ADDR_64BIT_V3, R.CAP0.VOLTAGE_3V3, R.CAP0.BUS_8BIT, R.CAP0.HIGH_SPEED]) {
    assert.ok(R.isSet(f, cap));
  }
  assert.equal(
    R.compose(R.CAP0, {
      TIMEOUT_CLOCK_FREQ: 1, TIMEOUT_CLOCK_UNIT_MHZ: 1, BASE_CLOCK_MHZ: 200, BUS_8BIT: 1, ADMA2: 1, HIGH_SPEED: 1,
      SDMA: 1, VOLTAGE_3V3: 1, VOLTAGE_1V8: 1, ADDR_64BIT_V3: 1,
    }),
    cap,
  );
  assert.equal(R.HOST_VERSION.reset, 0x0002);
});

test('every byte of the map belongs to at most one register and unknown offsets have none', () => {
  assert.equal(R.registerAt(0x0f), R.COMMAND);
  assert.equal(R.registerAt(0x33), R.ERROR_INT_STATUS);
  assert.equal(R.registerAt(0x80), undefined);
  assert.equal(R.offsetName(0x31), 'NORMAL_INT_STATUS+1');
});

test('set refuses a value that does not fit its field', () => {
  assert.throws(() => R.set(R.HC1.DMA_SELECT, 0, 4), RangeError);
  assert.equal(R.set(R.HC1.DMA_SELECT, 0, R.DMA_SELECT.ADMA2_64), 0x18);
});

test('Linux interrupt names line up with the 32-bit status view', () => {
  assert.equal(R.INT.RESPONSE, 0x1);
  assert.equal(R.INT.DATA_END, 0x2);
  assert.equal(R.INT.TIMEOUT, 0x00010000);
  assert.equal(R.INT.ADMA_ERROR, 0x02000000);
  assert.equal(R.INT.AUTO_CMD_ERR, 0x01000000);
});

test('ADMA2 descriptors encode and decode both widths', () => {
  const d = { attr: R.adma2Attr(R.ADMA2_ACT.TRAN, { end: true, int: true }), length: 512, address: 0x1_2345_6780 };
  assert.equal(d.attr, 0x27);
  assert.deepEqual(R.decodeAdma2Descriptor(R.encodeAdma2Descriptor(d, true), true), d);
  const d32 = { ...d, address: 0x2345_6780 };
  const enc = R.encodeAdma2Descriptor(d32, false);
  assert.equal(enc.length, 8);
  assert.deepEqual(R.decodeAdma2Descriptor(enc, false), d32);
  assert.equal(R.adma2Attr(R.ADMA2_ACT.TRAN), R.ADMA2_TRAN_VALID);
  assert.equal(R.adma2Attr(R.ADMA2_ACT.NOP, { end: true }), R.ADMA2_NOP_END_VALID);
});

test('encodeCommand and blockSizeValue build the same words field by field, and refuse values that do not fit', () => {
  const word = R.encodeCommand({ index: 18, responseType: R.RESPONSE_TYPE.R48, crcCheck: true, indexCheck: true, dataPresent: true, type: R.COMMAND_TYPE.ABORT });
  assert.equal(word, R.compose(R.CMD, { INDEX: 18, RESPONSE_TYPE: R.RESPONSE_TYPE.R48, CRC_CHECK: 1, INDEX_CHECK: 1, DATA_PRESENT: 1, TYPE: R.COMMAND_TYPE.ABORT }));
  assert.deepEqual(R.decodeCommand(word), { index: 18, responseType: R.RESPONSE_TYPE.R48, crcCheck: true, indexCheck: true, dataPresent: true, type: R.COMMAND_TYPE.ABORT });
  assert.equal(R.blockSizeValue(512, 7), R.compose(R.BS, { SIZE: 512, SDMA_BOUNDARY: 7 }));
  assert.equal(R.blockSizeValue(512), 0x7200);
  assert.throws(() => R.encodeCommand({ index: 64 }), RangeError);
  assert.throws(() => R.blockSizeValue(4096), RangeError);
});
