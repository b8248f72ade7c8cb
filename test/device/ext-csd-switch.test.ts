import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXT_CSD, EXT_CSD_SIZE } from '../../src/hw/ext-csd.js';
import { isPartitionSwitch, resetVolatileBytes, switchAllowed, switchedValue, type SwitchContext } from '../../src/device/emmc/ext-csd-switch.js';
import { buildExtCsd } from '../../src/device/emmc/registers.js';

const MiB = 1024 * 1024;

function ctx(o: { cache?: boolean; cardType?: number; strobe?: boolean; partitions?: readonly number[] } = {}): SwitchContext {
  const extCsd = buildExtCsd({ user: 64 * MiB, boot: 4 * MiB, rpmb: 128 * 1024, gp: [] });
  if (o.cache) extCsd[EXT_CSD.CACHE_SIZE] = 1;
  if (o.cardType !== undefined) extCsd[EXT_CSD.CARD_TYPE] = o.cardType;
  if (o.strobe === false) extCsd[EXT_CSD.STROBE_SUPPORT] = 0;
  const parts = new Set(o.partitions ?? [0, 1, 2, 3]);
  return { extCsd, queuedTasks: 0, isSupportedPartition: (a) => parts.has(a) };
}

test('CMD6: only the modes bytes in the table are writable, each with its value check', () => {
  const c = ctx();
  const writable = [...Array(EXT_CSD_SIZE).keys()].filter((i) => [...Array(256).keys()].some((v) => switchAllowed(c, i, v)));
  assert.deepEqual(writable, [
    EXT_CSD.CMDQ_MODE_EN, EXT_CSD.FLUSH_CACHE, EXT_CSD.CACHE_CTRL, EXT_CSD.POWER_OFF_NOTIFICATION,
    EXT_CSD.EXP_EVENTS_CTRL, EXT_CSD.EXP_EVENTS_CTRL + 1, EXT_CSD.HPI_MGMT, EXT_CSD.RST_N_FUNCTION, EXT_CSD.BKOPS_EN,
    EXT_CSD.BKOPS_START, EXT_CSD.SANITIZE_START, EXT_CSD.WR_REL_SET, EXT_CSD.USER_WP, EXT_CSD.BOOT_WP,
    EXT_CSD.ERASE_GROUP_DEF, EXT_CSD.BOOT_BUS_CONDITIONS, EXT_CSD.BOOT_CONFIG_PROT, EXT_CSD.PART_CONFIG,
    EXT_CSD.BUS_WIDTH, EXT_CSD.HS_TIMING, EXT_CSD.POWER_CLASS,
  ]);
  assert.equal(switchAllowed(c, EXT_CSD.HPI_MGMT, 1), true);
  assert.equal(switchAllowed(c, EXT_CSD.HPI_MGMT, 2), false);
  assert.equal(switchAllowed(c, EXT_CSD.BKOPS_EN, 3), true);
  assert.equal(switchAllowed(c, EXT_CSD.BKOPS_EN, 4), false);
  assert.equal(switchAllowed(c, EXT_CSD.POWER_OFF_NOTIFICATION, 4), true);
  assert.equal(switchAllowed(c, EXT_CSD.POWER_OFF_NOTIFICATION, 5), false);
  assert.equal(switchAllowed(c, EXT_CSD.CACHE_CTRL, 1), false, 'no cache to enable');
  assert.equal(switchAllowed(ctx({ cache: true }), EXT_CSD.CACHE_CTRL, 1), true);
});

test('CMD6: PART_CONFIG, BUS_WIDTH and HS_TIMING follow the card', () => {
  const c = ctx({ partitions: [0, 1, 2] });
  assert.equal(switchAllowed(c, EXT_CSD.PART_CONFIG, 0x02), true);
  assert.equal(switchAllowed(c, EXT_CSD.PART_CONFIG, 0x03), false, 'no RPMB here');
  assert.equal(switchAllowed(c, EXT_CSD.PART_CONFIG, 0x38), true, 'boot from user');
  assert.equal(switchAllowed(c, EXT_CSD.PART_CONFIG, 0x18), false, 'boot enable 3 is reserved');
  assert.equal(switchAllowed(c, EXT_CSD.PART_CONFIG, 0x80), false);
  assert.equal(switchAllowed(c, EXT_CSD.BUS_WIDTH, 2), true);
  assert.equal(switchAllowed(c, EXT_CSD.BUS_WIDTH, 6), true);
  assert.equal(switchAllowed(c, EXT_CSD.BUS_WIDTH, 3), false);
  assert.equal(switchAllowed(c, EXT_CSD.BUS_WIDTH, 0x12), false);
  assert.equal(switchAllowed(c, EXT_CSD.BUS_WIDTH, 0x86), true);
  assert.equal(switchAllowed(ctx({ strobe: false }), EXT_CSD.BUS_WIDTH, 0x86), false);
  assert.equal(switchAllowed(ctx({ cardType: 0x03 }), EXT_CSD.BUS_WIDTH, 6), false, 'DDR needs a DDR card type');
  const hsOnly = ctx({ cardType: 0x03 });
  assert.deepEqual([0, 1, 2, 3, 4].map((t) => switchAllowed(hsOnly, EXT_CSD.HS_TIMING, t)), [true, true, false, false, false]);
  assert.deepEqual([0, 1, 2, 3, 4].map((t) => switchAllowed(c, EXT_CSD.HS_TIMING, t)), [true, true, true, true, false]);
});

test('CMD6: action bytes read back 0; the partition switch is flagged; CMD0 clears the volatile settings', () => {
  assert.equal(switchedValue(EXT_CSD.FLUSH_CACHE, 1), 0);
  assert.equal(switchedValue(EXT_CSD.SANITIZE_START, 1), 0);
  assert.equal(switchedValue(EXT_CSD.HPI_MGMT, 1), 1);
  assert.equal(isPartitionSwitch(EXT_CSD.PART_CONFIG), true);
  assert.equal(isPartitionSwitch(EXT_CSD.BUS_WIDTH), false);
  const x = ctx().extCsd;
  for (const i of [EXT_CSD.BUS_WIDTH, EXT_CSD.HS_TIMING, EXT_CSD.POWER_CLASS, EXT_CSD.ERASE_GROUP_DEF, EXT_CSD.POWER_OFF_NOTIFICATION, EXT_CSD.HPI_MGMT, EXT_CSD.BKOPS_EN]) x[i] = 1;
  x[EXT_CSD.PART_CONFIG] = 0x49;
  resetVolatileBytes(x);
  assert.deepEqual(
    [EXT_CSD.BUS_WIDTH, EXT_CSD.HS_TIMING, EXT_CSD.POWER_CLASS, EXT_CSD.ERASE_GROUP_DEF, EXT_CSD.POWER_OFF_NOTIFICATION, EXT_CSD.HPI_MGMT].map((i) => x[i]),
    [0, 0, 0, 0, 0, 0],
  );
  assert.equal(x[EXT_CSD.PART_CONFIG], 0x48, 'boot settings stay, the access bits clear');
  assert.equal(x[EXT_CSD.BKOPS_EN], 1, 'BKOPS_EN is not volatile');
});
