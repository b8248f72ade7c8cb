/** MBR codec and msdos.c behaviour (primary slots, extended chains, PARTUUID SSSSSSSS-PP). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeMbr,
  decodeMbrAsync,
  decodeMbrSector,
  encodeMbr,
  encodeMbrSector,
  EMPTY_MBR_ENTRY,
  imageReader,
  PartitionLayoutError,
  lbaToChs,
  MBR_TYPE,
  mbrPartUuid,
  type MbrEntry,
  type MbrLayout,
} from '../../src/driver/mmc/partitions/index.js';
import { blankImage, imageFrom, withLogical } from './helpers.js';

const DISK = 131072; // 64 MiB
const SIG = 0x1a2b3c4d;


function entry(type: number, startLba: number, sectors: number, bootIndicator = 0): MbrEntry {
  return { ...EMPTY_MBR_ENTRY, type, startLba, sectors, bootIndicator };
}

function mbrOnly(entries: MbrEntry[]): Uint8Array {
  const e = [...entries, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY].slice(0, 4) as [MbrEntry, MbrEntry, MbrEntry, MbrEntry];
  return imageFrom(DISK, [{ lba: 0, bytes: encodeMbrSector({ diskSignature: SIG, entries: e }) }]);
}

test('the MBR PARTUUID is the disk signature and partition number in zero-filled lower-case hex', () => {
  assert.equal(mbrPartUuid(0x1a2b3c4d, 5), '1a2b3c4d-05');
  assert.equal(mbrPartUuid(0xabc, 12), '00000abc-0c');
});

test('logical partitions are numbered from 5 in chain order; the extended container is 2 sectors without PARTUUID', () => {
  const img = imageFrom(DISK, encodeMbr(withLogical, DISK));
  const r = decodeMbr(imageReader(img), DISK);
  assert.equal(r.status, 'mbr');
  if (r.status !== 'mbr') return;
  assert.equal(r.diskSignature, SIG);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(
    r.partitions.map((p) => [p.number, p.kind, p.firstLba, p.sectors, p.partUuid, p.bootable]),
    [
      [1, 'primary', 2048, 8192, '1a2b3c4d-01', true],
      [2, 'extended', 10240, 2, '', false],
      [3, 'primary', 51200, 8192, '1a2b3c4d-03', false],
      [5, 'logical', 12288, 2048, '1a2b3c4d-05', false],
      [6, 'logical', 16384, 512, '1a2b3c4d-06', false],
      [7, 'logical', 20480, 30720, '1a2b3c4d-07', false],
    ],
  );
  assert.deepEqual(r.partitions.filter((p) => p.kind === 'logical').map((p) => p.ebrLba), [10240, 14336, 18432]);
});

test('EBR links are relative to the extended partition, data entries to their own EBR', () => {
  const writes = encodeMbr(withLogical, DISK);
  const second = decodeMbrSector(writes.find((w) => w.lba === 14336)!.bytes);
  assert.deepEqual([second.entries[0].startLba, second.entries[0].sectors], [16384 - 14336, 512]);
  assert.deepEqual([second.entries[1].type, second.entries[1].startLba, second.entries[1].sectors], [MBR_TYPE.dosExtended, 18432 - 10240, 20480 + 30720 - 18432]);
  const last = decodeMbrSector(writes.find((w) => w.lba === 18432)!.bytes);
  assert.equal(last.entries[1].sectors, 0, 'the last EBR ends the chain');
});

test('primaries keep their slot number when earlier slots are empty', () => {
  const img = mbrOnly([EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, entry(MBR_TYPE.linux, 2048, 4096)]);
  const r = decodeMbr(imageReader(img), DISK);
  assert.ok(r.status === 'mbr');
  assert.deepEqual(r.partitions.map((p) => [p.number, p.partUuid]), [[3, '1a2b3c4d-03']]);
});

test('a sector without 0x55AA, with a bad boot indicator, or with a 0xEE entry is not an MBR', () => {
  const none = decodeMbr(imageReader(blankImage(DISK)), DISK);
  assert.deepEqual(none.status === 'not-mbr' && [none.reason, none.message], ['no-signature', 'no 0x55AA signature at offset 0x1FE (found 0x0000)']);
  const badBoot = decodeMbr(imageReader(mbrOnly([entry(MBR_TYPE.linux, 2048, 100, 0x12)])), DISK);
  assert.equal(badBoot.status === 'not-mbr' && badBoot.reason, 'bad-boot-indicator');
  assert.match(badBoot.status === 'not-mbr' ? badBoot.message : '', /entry 1 has boot indicator 0x12/);
  const gpt = decodeMbr(imageReader(mbrOnly([entry(MBR_TYPE.efiGpt, 1, DISK - 1)])), DISK);
  assert.equal(gpt.status === 'not-mbr' && gpt.reason, 'gpt-protective');
});

test('a logical chain that points past the end of the disk stops with a warning, keeping what was found', () => {
  const writes = encodeMbr(withLogical, DISK);
  const img = imageFrom(DISK, writes);
  // Point the first EBR's link far past the disk.
  const ebr = img.subarray(10240 * 512, 10241 * 512);
  new DataView(ebr.buffer, ebr.byteOffset).setUint32(0x1be + 16 + 8, DISK * 2, true);
  const r = decodeMbr(imageReader(img), DISK);
  assert.ok(r.status === 'mbr');
  assert.deepEqual(r.partitions.filter((p) => p.kind === 'logical').map((p) => p.number), [5]);
  assert.equal(r.warnings[0].code, 'ebr-beyond-eod');
  assert.match(r.warnings[0].message, /^partition table partially beyond EOD/);
});

test('an EBR without a signature ends the chain', () => {
  const img = imageFrom(DISK, encodeMbr(withLogical, DISK));
  img[14336 * 512 + 510] = 0;
  const r = decodeMbr(imageReader(img), DISK);
  assert.ok(r.status === 'mbr');
  assert.deepEqual(r.partitions.filter((p) => p.kind === 'logical').map((p) => p.number), [5]);
  assert.equal(r.warnings[0].code, 'ebr-no-signature');
});

test('an EBR that links to itself stops after 100 empty links or at 256 partitions, as msdos.c does', () => {
  // Empty EBR linking to itself: no data partitions, so the loop counter runs out.
  const emptyLoop = encodeMbrSector({ diskSignature: 0, entries: [EMPTY_MBR_ENTRY, entry(MBR_TYPE.dosExtended, 0, 100), EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY] });
  const a = imageFrom(DISK, [...encodeMbr({ diskSignature: SIG, partitions: [{ type: MBR_TYPE.dosExtended, firstLba: 2048, sectors: 100 }] }, DISK), { lba: 2048, bytes: emptyLoop }]);
  const ra = decodeMbr(imageReader(a), DISK);
  assert.ok(ra.status === 'mbr');
  assert.deepEqual(ra.warnings.map((w) => w.code), ['extended-loop']);
  // EBR with a data partition linking to itself: one partition per visit until DISK_MAX_PARTS.
  const dataLoop = encodeMbrSector({ diskSignature: 0, entries: [entry(MBR_TYPE.linux, 1, 10), entry(MBR_TYPE.dosExtended, 0, 100), EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY] });
  const b = imageFrom(DISK, [...encodeMbr({ diskSignature: SIG, partitions: [{ type: MBR_TYPE.dosExtended, firstLba: 2048, sectors: 100 }] }, DISK), { lba: 2048, bytes: dataLoop }]);
  const rb = decodeMbr(imageReader(b), DISK);
  assert.ok(rb.status === 'mbr');
  const logical = rb.partitions.filter((p) => p.kind === 'logical');
  assert.equal(logical.length, 256 - 5);
  assert.equal(logical.at(-1)?.number, 255);
  assert.deepEqual(rb.warnings.map((w) => w.code), ['partition-limit']);
});

test('the async decoder agrees with the sync one', async () => {
  const img = imageFrom(DISK, encodeMbr(withLogical, DISK));
  assert.deepEqual(await decodeMbrAsync(async (lba) => imageReader(img)(lba), DISK), decodeMbr(imageReader(img), DISK));
});

test('CHS values follow the 255×63 geometry and saturate past cylinder 1023', () => {
  assert.deepEqual(lbaToChs(1), [0, 2, 0]);
  assert.deepEqual(lbaToChs(63 * 255), [0, 1, 1]);
  assert.deepEqual(lbaToChs(1024 * 255 * 63), [0xfe, 0xff, 0xff]);
});

test('encodeMbr refuses layouts it cannot write, naming the value', () => {
  const bad = (layout: MbrLayout, re: RegExp) => assert.throws(() => encodeMbr(layout, DISK), (e: unknown) => e instanceof PartitionLayoutError && re.test(e.message));
  const p = { type: MBR_TYPE.linux, firstLba: 2048, sectors: 2048 };
  bad({ diskSignature: 1, partitions: [p, p, p, p, p] }, /holds 4 primary entries; the layout has 5/);
  bad({ diskSignature: 1, partitions: [p, { ...p, firstLba: 3000 }] }, /partition 2 \(LBA 3000\.\.5047\) overlaps partition 1 \(LBA 2048\.\.4095\)/);
  bad({ diskSignature: 1, partitions: [{ ...p, firstLba: DISK - 10 }] }, /outside sectors 1\.\.131071/);
  bad({ diskSignature: 1, partitions: [{ ...p, type: MBR_TYPE.efiGpt }] }, /type 0xee/);
  bad({ diskSignature: 1, partitions: [{ ...p, logical: [{ type: 0x83, firstLba: 3000, sectors: 10 }] }] }, /type 0x83 is not extended/);
  bad(
    { diskSignature: 1, partitions: [{ type: MBR_TYPE.dosExtended, firstLba: 2048, sectors: 4096, logical: [{ type: 0x83, firstLba: 2049, sectors: 10 }, { type: 0x83, firstLba: 2055, sectors: 10 }] }] },
    /logical partition 6 .* must follow its EBR and the previous logical partition/,
  );
  bad({ diskSignature: 2 ** 32, partitions: [p] }, /disk signature is 4294967296/);
});
