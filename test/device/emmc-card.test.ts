import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/device/clock.js';
import { MemoryBacking } from '../../src/device/backing.js';
import { EmmcCard } from '../../src/device/emmc/card.js';
import type { CardResponse } from '../../src/device/emmc/card-context.js';
import { EMMC_COMMANDS } from '../../src/device/emmc/commands.js';
import { userAreaLayout, qemuLayout, PARTITION_ACCESS } from '../../src/device/emmc/image-layout.js';
import { R1, r1State, r1Flags } from '../../src/device/emmc/status.js';
import { EXT_CSD } from '../../src/hw/ext-csd.js';
import { readLe32 } from '../../src/device/emmc/registers.js';
import { DEFAULT_LATENCY } from '../../src/device/latency.js';
import { Tracer } from '../../src/device/trace.js';

const MiB = 1024 * 1024;

function card(size = MiB, o: { addressing?: 'sector' | 'byte'; tracer?: Tracer } = {}) {
  const clock = new VirtualClock();
  const user = new MemoryBacking(size);
  const c = new EmmcCard({ layout: userAreaLayout(user), clock, addressing: o.addressing ?? 'sector', tracer: o.tracer });
  return { c, clock, user };
}

const status = (r: CardResponse): number => {
  assert.ok(r.kind === 'r1' || r.kind === 'r1b', `expected R1, got ${r.kind}`);
  return r.status;
};

function toTran(c: EmmcCard): void {
  c.doCommand(0, 0);
  while (c.doCommand(1, 0x40300000).kind === 'r3' && c.state !== 'ready');
  c.doCommand(2, 0);
  c.doCommand(3, 1 << 16);
  c.doCommand(7, 1 << 16);
  c.doCommand(13, 1 << 16); // consume leftovers
  assert.equal(c.state, 'tran');
}

test('every implemented command entry names its spec, class, type and accepted states', () => {
  for (const [k, e] of Object.entries(EMMC_COMMANDS)) {
    assert.equal(e!.index, Number(k));
    assert.match(e!.name, /^[A-Z_]+$/);
    assert.ok(['bc', 'bcr', 'ac', 'adtc'].includes(e!.type));
    assert.ok(e!.states.length > 0);
    if (e!.type === 'adtc' && e!.handler) assert.ok(e!.data, `${e!.name} has a data phase`);
  }
  assert.equal(EMMC_COMMANDS[25]!.name, 'WRITE_MULTIPLE_BLOCK');
  assert.equal(EMMC_COMMANDS[52], undefined, 'SDIO commands are not eMMC commands');
});

test('illegal and unimplemented commands both get no response but are traced differently', () => {
  const lines: string[] = [];
  const { c } = card(MiB, { tracer: new Tracer({ enable: 'sdcard_illegal,sdcard_unimplemented', sink: (l) => lines.push(l) }) });
  toTran(c);
  assert.equal(c.doCommand(52, 0).kind, 'none');
  assert.equal(c.doCommand(26, 0).kind, 'none'); // PROGRAM_CID: JEDEC command, not modelled
  assert.equal(c.doCommand(3, 1 << 16).kind, 'none'); // legal command, wrong state
  assert.match(lines[0]!, /sdcard_illegal CMD52/);
  assert.match(lines[1]!, /sdcard_unimplemented CMD26 PROGRAM_CID/);
  assert.match(lines[3]!, /sdcard_illegal CMD03 illegal in state tran/);
  assert.ok(status(c.doCommand(13, 1 << 16)) & R1.ILLEGAL_COMMAND.mask);
});

test('CMD1 reports busy until power-up completes, then sector mode and ready', () => {
  const { c } = card(MiB);
  const r = [0, 1, 2].map(() => c.doCommand(1, 0x40300000));
  assert.deepEqual(r.map((x) => (x.kind === 'r3' ? x.ocr : -1)), [0x40ff8080, 0x40ff8080, 0xc0ff8080]);
  assert.equal(c.state, 'ready');
  assert.equal(c.doCommand(1, 0).kind, 'none', 'CMD1 is illegal once ready');
});

test('CMD1 with a voltage window the card cannot do sends it to inactive, where it ignores everything', () => {
  const { c } = card(MiB);
  assert.equal(c.doCommand(1, 0x00000100).kind, 'none'); // 2.0–2.1 V only
  assert.equal(c.state, 'ina');
  assert.equal(c.doCommand(0, 0).kind, 'none');
  assert.equal(c.state, 'ina');
  c.powerCycle();
  assert.equal(c.state, 'idle');
});

test('a card larger than 2 GiB uses sector addressing and reports SEC_COUNT', () => {
  const clock = new VirtualClock();
  const c = new EmmcCard({ layout: userAreaLayout(new MemoryBacking(4 * 1024 * MiB)), clock });
  assert.equal(c.sectorMode, true);
  assert.equal(readLe32(c.extCsd, EXT_CSD.SEC_CNT), (4 * 1024 * MiB) / 512);
  const small = new EmmcCard({ layout: userAreaLayout(new MemoryBacking(MiB)), clock });
  assert.equal(small.sectorMode, false);
});

test('reads and writes go through the data phase of the table entry, and CMD23 bounds them', () => {
  const { c, user } = card(MiB);
  toTran(c);
  user.write(512 * 4, new Uint8Array(512).fill(0x44));
  assert.equal(status(c.doCommand(17, 4)) & 0xfff98000, 0);
  assert.equal(c.state, 'data');
  assert.deepEqual(c.readData(512), new Uint8Array(512).fill(0x44));
  assert.equal(c.state, 'tran');
  c.doCommand(23, 2);
  c.doCommand(25, 10);
  assert.equal(c.state, 'rcv');
  assert.equal(c.writeData(new Uint8Array(512).fill(1)), true);
  assert.equal(c.state, 'rcv');
  assert.equal(c.writeData(new Uint8Array(512).fill(2)), true);
  assert.equal(c.state, 'prg', 'programming after the counted blocks');
  assert.equal(c.writeData(new Uint8Array(512)), false, 'no third block');
  assert.deepEqual(user.read(512 * 10, 1024), new Uint8Array([...new Uint8Array(512).fill(1), ...new Uint8Array(512).fill(2)]));
});

test('a CMD23 count applies only to the immediately following command', () => {
  const { c } = card(MiB);
  toTran(c);
  c.doCommand(23, 5);
  c.doCommand(13, 1 << 16);
  c.doCommand(18, 0);
  assert.equal(c.data?.remaining, undefined, 'open-ended: the count was cancelled by CMD13');
});

test('busy holds DAT0 for the modelled programming time, then the card returns to tran', () => {
  const { c, clock } = card(MiB);
  toTran(c);
  c.doCommand(24, 0);
  c.writeData(new Uint8Array(512));
  assert.equal(c.state, 'prg');
  assert.equal(c.isBusy(), true);
  assert.equal(r1State(status(c.doCommand(13, 1 << 16))), 'prg');
  const busyNs = Math.max(DEFAULT_LATENCY.programPerBlockNs, DEFAULT_LATENCY.minWriteBusyNs);
  clock.advance(busyNs - 1);
  assert.equal(c.isBusy(), true);
  const st = status(c.doCommand(13, 1 << 16));
  assert.equal(st & R1.READY_FOR_DATA.mask, 0);
  clock.advance(1);
  assert.equal(c.isBusy(), false);
  assert.equal(c.state, 'tran');
  assert.ok(status(c.doCommand(13, 1 << 16)) & R1.READY_FOR_DATA.mask);
});

test('an address beyond the partition is OUT_OF_RANGE and the card stays in tran', () => {
  const { c } = card(MiB);
  toTran(c);
  const st = status(c.doCommand(24, MiB / 512));
  assert.deepEqual(r1Flags(st).filter((f) => f !== 'READY_FOR_DATA'), ['OUT_OF_RANGE']);
  assert.equal(c.state, 'tran');
  assert.equal(status(c.doCommand(13, 1 << 16)) & R1.OUT_OF_RANGE.mask, 0, 'clear on read');
});

test('an open-ended read running past the end stops sending and flags OUT_OF_RANGE for the next status', () => {
  const { c } = card(MiB);
  toTran(c);
  c.doCommand(18, MiB / 512 - 1);
  assert.equal(c.readData(512)?.length, 512);
  assert.equal(c.readData(512), null);
  const st = status(c.doCommand(12, 0));
  assert.ok(st & R1.OUT_OF_RANGE.mask);
  assert.equal(c.state, 'tran');
});

test('a partition switch with CMD6 PARTITION_CONFIG isolates the data of each partition', () => {
  const { c, clock, user } = card(MiB);
  toTran(c);
  const write = (lba: number, v: number): void => {
    c.doCommand(24, lba);
    c.writeData(new Uint8Array(512).fill(v));
    clock.runUntilIdle();
  };
  const read = (lba: number): number => {
    c.doCommand(17, lba);
    return c.readData(512)![0]!;
  };
  write(0, 0xaa);
  for (const [name, access] of [['boot0', 1], ['boot1', 2], ['rpmb', 3]] as const) {
    c.doCommand(6, (3 << 24) | (EXT_CSD.PART_CONFIG << 16) | (access << 8) | 1);
    assert.equal(c.state, 'prg');
    clock.advance(DEFAULT_LATENCY.partitionSwitchBusyNs);
    assert.equal(c.state, 'tran');
    assert.equal(c.partitionName(), name);
    assert.equal(read(0), 0, `${name} starts empty`);
    write(0, access);
    assert.equal(read(0), access);
  }
  c.doCommand(6, (3 << 24) | (EXT_CSD.PART_CONFIG << 16) | (0 << 8) | 1);
  clock.runUntilIdle();
  assert.equal(read(0), 0xaa);
  assert.equal(user.read(0, 1)[0], 0xaa);
  for (const access of [1, 2, 3]) assert.equal(c.layout.partitions.get(access)!.read(0, 1)[0], access);
  // GP1 does not exist: SWITCH_ERROR, access unchanged
  c.doCommand(6, (3 << 24) | (EXT_CSD.PART_CONFIG << 16) | (PARTITION_ACCESS.gp1 << 8) | 1);
  clock.runUntilIdle();
  assert.ok(status(c.doCommand(13, 1 << 16)) & R1.SWITCH_ERROR.mask);
  assert.equal(c.partitionAccess, 0);
});

test('CMD0 returns PARTITION_ACCESS to the user area', () => {
  const { c, clock } = card(MiB);
  toTran(c);
  c.doCommand(6, 0x03b30100);
  clock.runUntilIdle();
  assert.equal(c.partitionAccess, 1);
  c.doCommand(0, 0);
  assert.equal(c.partitionAccess, 0);
  assert.equal(c.state, 'idle');
});

test('erase zeroes whole erase groups of the current partition and keeps DAT0 low meanwhile', () => {
  const { c, clock, user } = card(2 * MiB);
  toTran(c);
  user.write(0, new Uint8Array(2 * MiB).fill(0x5a));
  c.doCommand(35, 1); // sector 1 → group 0
  c.doCommand(36, 1030); // sector 1030 → group 1 (512 KiB groups)
  status(c.doCommand(38, 0));
  assert.equal(c.state, 'prg');
  assert.equal(c.isBusy(), true);
  clock.advance(2 * DEFAULT_LATENCY.eraseGroupBusyNs);
  assert.equal(c.state, 'tran');
  assert.ok(user.read(0, MiB).every((x) => x === 0));
  assert.equal(user.read(MiB, 1)[0], 0x5a);
});

test('CMD38 without CMD35/CMD36 is ERASE_SEQ_ERROR, and an unrelated command resets the sequence', () => {
  const { c } = card(MiB);
  toTran(c);
  assert.ok(status(c.doCommand(38, 0)) & R1.ERASE_SEQ_ERROR.mask);
  c.doCommand(35, 0);
  const st = status(c.doCommand(16, 512));
  assert.ok(st & R1.ERASE_RESET.mask);
  assert.ok(status(c.doCommand(36, 2)) & R1.ERASE_SEQ_ERROR.mask, 'CMD36 without a CMD35 in sequence');
});

test('the QEMU layout gives each partition its own region of one file', () => {
  const file = new MemoryBacking(2 * 128 * 1024 + 128 * 1024 + MiB);
  const layout = qemuLayout(file, { bootSize: 128 * 1024, rpmbSize: 128 * 1024 });
  assert.equal(layout.userSize, MiB);
  const c = new EmmcCard({ layout, clock: new VirtualClock(), addressing: 'sector' });
  assert.equal(c.extCsd[EXT_CSD.BOOT_MULT], 1);
  assert.equal(c.extCsd[EXT_CSD.RPMB_MULT], 1);
  layout.partitions.get(PARTITION_ACCESS.boot1)!.write(0, new Uint8Array([1]));
  layout.partitions.get(PARTITION_ACCESS.user)!.write(0, new Uint8Array([2]));
  assert.equal(file.read(128 * 1024, 1)[0], 1);
  assert.equal(file.read(3 * 128 * 1024, 1)[0], 2);
});

test('GP partitions appear in EXT_CSD and behave as their own partitions', () => {
  const clock = new VirtualClock();
  const layout = userAreaLayout(new MemoryBacking(MiB), { gpSizes: [MiB, 512 * 1024] });
  const c = new EmmcCard({ layout, clock, addressing: 'sector' });
  assert.equal(c.extCsd[EXT_CSD.GP_SIZE_MULT], 2, 'GP1 = 2 × 512 KiB');
  assert.equal(c.extCsd[EXT_CSD.GP_SIZE_MULT + 3], 1);
  assert.equal(c.extCsd[EXT_CSD.PARTITION_SETTING_COMPLETED], 1);
  toTran(c);
  c.doCommand(6, (3 << 24) | (EXT_CSD.PART_CONFIG << 16) | (PARTITION_ACCESS.gp2 << 8) | 1);
  clock.runUntilIdle();
  assert.equal(c.partitionName(), 'gp2');
  assert.ok(status(c.doCommand(17, 1024)) & R1.OUT_OF_RANGE.mask, 'GP2 is 1024 sectors long');
});
