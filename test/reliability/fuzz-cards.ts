/**
 * Whole cards for the fuzzer (fuzz-core.ts): an MBR card with an extended partition (pstore on a
 * logical partition, no label), a card in QEMU's layout (boot0|boot1|RPMB|user in one file), and
 * the mutations of partition tables a real card's flash can hold: MBR and EBR entries (types,
 * starts, sizes, links that loop or point past the disk), the protective MBR, the GPT primary
 * header broken (the kernel then reads the backup), the backup header's fields, entry names
 * (duplicate and missing PARTLABELs) and type GUIDs. Checksums are fixed after a GPT change
 * unless the mutation is about the checksum, so the parser gets past its first check.
 */
import fc from 'fast-check';
import { MemoryBacking } from '../../src/device/backing.js';
import { imageFileSize, mkimage } from '../../src/driver/board/index.js';
import {
  EMPTY_MBR_ENTRY,
  GPT_ENTRY,
  GPT_HEADER,
  GPT_NAME_UNITS,
  MBR,
  MBR_ENTRY,
  MBR_TYPE,
  crc32,
  encodeMbrSector,
  gptHeaderCrc,
  isExtendedType,
  type MbrEntry,
} from '../../src/driver/mmc/partitions/index.js';
import { SECTOR_SIZE, MiB } from '../../src/lib/units.js';
import { KmsgDumpReason, LinesDumpIter, MemoryPstoreDevice, PstoreCore, mergeBlkParams, registerPstoreDevice } from '../../src/zone/index.js';

export interface CardBase {
  name: string;
  bytes: Uint8Array;
  argsets: string[][];
  /** where the user area starts in the file (QEMU's layout keeps the hardware partitions first) */
  userOffset: number;
}

const CARD_BYTES = 16 * MiB;
const PSTORE_BYTES = 256 * 1024;
const KMSG_KIB = 32;

/** An Oops dump of 100 lines in the pstore/zone partition at `off` (`len` bytes) of `img`. */
function writeOops(img: Uint8Array, off: number, len: number, tag: string): void {
  const dev = new MemoryPstoreDevice(img.subarray(off, off + len), true);
  const reg = registerPstoreDevice(dev, mergeBlkParams({ kmsgSize: KMSG_KIB }), { nrCpus: 1 });
  const core = new PstoreCore(reg.zone, { now: () => ({ sec: 1_700_000_321n, nsec: 0n }) });
  reg.zone.recovery();
  core.dump(KmsgDumpReason.OOPS, new LinesDumpIter(Array.from({ length: 100 }, (_, i) => `<4>[${i}.000000] ${tag} line ${i}\n`)));
}

const mbrEntry = (type: number, startLba: number, sectors: number): MbrEntry => ({ ...EMPTY_MBR_ENTRY, startChs: [0, 0, 0], endChs: [0, 0, 0], type, startLba, sectors });

/** LBAs of the MBR card: p1 primary; p2 extended holding p5 (pstore) and p6 through a second EBR. */
export const MBR_CARD = {
  p1: { start: 2048, sectors: 2048 },
  extended: { start: 4096, sectors: 12288 },
  /** p5 relative to the first EBR */
  p5: { rel: 2048, sectors: PSTORE_BYTES / SECTOR_SIZE },
  /** the second EBR, relative to the extended partition */
  ebr2: { rel: 4096 },
  p6: { rel: 2048, sectors: 2048 },
} as const;

/** A 16 MiB card with a DOS partition table; pstore is the logical /dev/mmcblk0p5, unlabelled. */
export function mbrCardBase(): CardBase {
  const img = new Uint8Array(CARD_BYTES);
  const c = MBR_CARD;
  const put = (lba: number, sector: Uint8Array): void => img.set(sector, lba * SECTOR_SIZE);
  put(0, encodeMbrSector({ diskSignature: 0x6d6d6370, entries: [mbrEntry(MBR_TYPE.linux, c.p1.start, c.p1.sectors), mbrEntry(MBR_TYPE.dosExtended, c.extended.start, c.extended.sectors), EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY] }));
  // EBR entries: the logical partition relative to this EBR, the link relative to the extended start
  put(c.extended.start, encodeMbrSector({ diskSignature: 0, entries: [mbrEntry(MBR_TYPE.linux, c.p5.rel, c.p5.sectors), mbrEntry(MBR_TYPE.dosExtended, c.ebr2.rel, c.p6.rel + c.p6.sectors), EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY] }));
  put(c.extended.start + c.ebr2.rel, encodeMbrSector({ diskSignature: 0, entries: [mbrEntry(MBR_TYPE.linux, c.p6.rel, c.p6.sectors), EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY] }));
  const off = (c.extended.start + c.p5.rel) * SECTOR_SIZE;
  writeOops(img, off, PSTORE_BYTES, 'mbr card');
  const sizes = ['--kmsg-size', String(KMSG_KIB)];
  return { name: 'card:mbr-16m', bytes: img, userOffset: 0, argsets: [['--blkdev', '/dev/mmcblk0p5', ...sizes], ['--offset', String(off), '--size', String(PSTORE_BYTES), ...sizes]] };
}

/** `mkimage --layout qemu --size 16M --pstore-size 256K`, an Oops in its pstore partition (found by PARTLABEL). */
export function qemuCardBase(): CardBase {
  const backing = new MemoryBacking(imageFileSize(CARD_BYTES, 'qemu'));
  const r = mkimage({ image: backing, size: CARD_BYTES, pstoreSize: PSTORE_BYTES, seed: 11, layout: 'qemu' });
  const img = backing.read(0, backing.size);
  const userOffset = img.length - CARD_BYTES;
  const part = r.card.layout.partitions.find((p) => p.number === r.card.pstoreNumber)!;
  writeOops(img, userOffset + Number(part.firstLba) * SECTOR_SIZE, PSTORE_BYTES, 'qemu card');
  return { name: 'card:qemu-16m', bytes: img, userOffset, argsets: [[], ['--kmsg-size', String(KMSG_KIB)]] };
}

export type MbrField = 'type' | 'startLba' | 'sectors' | 'boot';
export type GptHeaderField = 'partitionEntryLba' | 'numPartitionEntries' | 'sizeofPartitionEntry' | 'firstUsableLba' | 'lastUsableLba' | 'myLba' | 'alternateLba';

export type CardMutation =
  /** an entry of the MBR (table 'mbr') or of the first EBR ('ebr') */
  | { op: 'mbrEntry'; table: 'mbr' | 'ebr'; entry: number; field: MbrField; value: string }
  /** the protective MBR of a GPT card: zeroed, its 0xAA55 broken, or made hybrid */
  | { op: 'pmbr'; kind: 'zero' | 'badsig' | 'hybrid' }
  /** the primary GPT header zeroed or its checksum wrong: efi.c falls back to the alternate */
  | { op: 'gptPrimary'; kind: 'zero' | 'badcrc' }
  | { op: 'gptBackupHeader'; field: GptHeaderField; value: string }
  | { op: 'gptName'; entry: number; name: string }
  | { op: 'gptType'; entry: number; kind: 'zero' | 'ff' };

const CARD_OPS: ReadonlySet<string> = new Set(['mbrEntry', 'pmbr', 'gptPrimary', 'gptBackupHeader', 'gptName', 'gptType']);
export const isCardMutation = (m: { op: string }): m is CardMutation => CARD_OPS.has(m.op);

const HDR_LBA = 1;

function view(img: Uint8Array): DataView {
  return new DataView(img.buffer, img.byteOffset, img.byteLength);
}

/** Re-computes the entry-array and header checksums of the GPT header at byte `hdr`. */
export function fixGptAt(img: Uint8Array, hdr: number, userOffset: number): void {
  const v = view(img);
  if (hdr < 0 || hdr + SECTOR_SIZE > img.length) return;
  const lba = Number(v.getBigUint64(hdr + GPT_HEADER.partitionEntryLba, true));
  const n = v.getUint32(hdr + GPT_HEADER.numPartitionEntries, true);
  const sz = v.getUint32(hdr + GPT_HEADER.sizeofPartitionEntry, true);
  const start = userOffset + lba * SECTOR_SIZE;
  const len = n * sz;
  if (len > 0 && len < MiB && start + len <= img.length) v.setUint32(hdr + GPT_HEADER.partitionEntryArrayCrc32, crc32(img.subarray(start, start + len)), true);
  v.setUint32(hdr + GPT_HEADER.headerCrc32, gptHeaderCrc(img.subarray(hdr, hdr + SECTOR_SIZE), GPT_HEADER.size), true);
}

/** Byte offset of the backup GPT header: the primary's alternate LBA, else the last sector. */
function backupHeaderAt(img: Uint8Array, userOffset: number): number {
  const v = view(img);
  const primary = userOffset + HDR_LBA * SECTOR_SIZE;
  const alt = primary + SECTOR_SIZE <= img.length ? v.getBigUint64(primary + GPT_HEADER.alternateLba, true) : 0n;
  const at = alt > 0n && userOffset + Number(alt) * SECTOR_SIZE + SECTOR_SIZE <= img.length ? userOffset + Number(alt) * SECTOR_SIZE : img.length - SECTOR_SIZE;
  return at;
}

/** Applies one card mutation to `img` in place. */
export function applyCardMutation(img: Uint8Array, m: CardMutation, userOffset: number): void {
  const v = view(img);
  const primary = userOffset + HDR_LBA * SECTOR_SIZE;
  if (primary + SECTOR_SIZE > img.length) return;
  switch (m.op) {
    case 'mbrEntry': {
      let sector = userOffset;
      if (m.table === 'ebr') {
        // the first extended entry of the MBR names the EBR
        const ext = [0, 1, 2, 3].map((i) => userOffset + MBR.partitionTable + i * MBR_ENTRY.size).find((e) => isExtendedType(img[e + MBR_ENTRY.type]!));
        if (ext === undefined) return;
        sector = userOffset + v.getUint32(ext + MBR_ENTRY.startLba, true) * SECTOR_SIZE;
        if (sector + SECTOR_SIZE > img.length) return;
      }
      const e = sector + MBR.partitionTable + (m.entry % 4) * MBR_ENTRY.size;
      const n = BigInt.asUintN(32, BigInt(m.value));
      if (m.field === 'type') img[e + MBR_ENTRY.type] = Number(n & 0xffn);
      else if (m.field === 'boot') img[e + MBR_ENTRY.bootIndicator] = Number(n & 0xffn);
      else v.setUint32(e + (m.field === 'startLba' ? MBR_ENTRY.startLba : MBR_ENTRY.sectors), Number(n), true);
      return;
    }
    case 'pmbr': {
      if (m.kind === 'zero') img.fill(0, userOffset, userOffset + SECTOR_SIZE);
      else if (m.kind === 'badsig') v.setUint16(userOffset + MBR.signature, 0x55aa, true);
      else {
        // a second, non-GPT entry beside the 0xEE one (a hybrid MBR)
        const e = userOffset + MBR.partitionTable + MBR_ENTRY.size;
        img[e + MBR_ENTRY.type] = MBR_TYPE.linux;
        v.setUint32(e + MBR_ENTRY.startLba, 2048, true);
        v.setUint32(e + MBR_ENTRY.sectors, 2048, true);
      }
      return;
    }
    case 'gptPrimary':
      if (m.kind === 'zero') img.fill(0, primary, primary + SECTOR_SIZE);
      else v.setUint32(primary + GPT_HEADER.headerCrc32, v.getUint32(primary + GPT_HEADER.headerCrc32, true) ^ 1, true);
      return;
    case 'gptBackupHeader': {
      const at = backupHeaderAt(img, userOffset);
      const val = BigInt(m.value);
      if (m.field === 'numPartitionEntries' || m.field === 'sizeofPartitionEntry') v.setUint32(at + GPT_HEADER[m.field], Number(BigInt.asUintN(32, val)), true);
      else v.setBigUint64(at + GPT_HEADER[m.field], BigInt.asUintN(64, val), true);
      fixGptAt(img, at, userOffset);
      return;
    }
    case 'gptName':
    case 'gptType': {
      const entries = userOffset + Number(v.getBigUint64(primary + GPT_HEADER.partitionEntryLba, true) & 0xffffn) * SECTOR_SIZE;
      const e = entries + (m.entry % 8) * GPT_ENTRY.size;
      if (e + GPT_ENTRY.size > img.length) return;
      if (m.op === 'gptType') img.fill(m.kind === 'zero' ? 0 : 0xff, e + GPT_ENTRY.typeGuid, e + GPT_ENTRY.typeGuid + 16);
      else {
        img.fill(0, e + GPT_ENTRY.name, e + GPT_ENTRY.name + GPT_NAME_UNITS * 2);
        for (let i = 0; i < Math.min(m.name.length, GPT_NAME_UNITS); i++) v.setUint16(e + GPT_ENTRY.name + i * 2, m.name.charCodeAt(i), true);
      }
      fixGptAt(img, primary, userOffset);
      fixGptAt(img, backupHeaderAt(img, userOffset), userOffset);
      return;
    }
  }
}

const LBAS = ['0', '1', '2', '33', '34', '2048', '4095', '4096', '32767', '32768', '65536', '4294967295', '18446744073709551615'];

/** fast-check arbitrary of card mutations (weights relative to fuzz-core's region mutations). */
export function cardMutationArbitrary(): fc.Arbitrary<CardMutation>[] {
  return [
    fc.record({
      op: fc.constant('mbrEntry' as const),
      table: fc.constantFrom('mbr' as const, 'ebr' as const),
      entry: fc.nat(3),
      field: fc.constantFrom<MbrField>('type', 'startLba', 'sectors', 'boot'),
      value: fc.constantFrom('0', '1', '5', '15', '131', '133', '238', '255', '2048', '4096', '8192', '16383', '32768', '4294967295'),
    }),
    fc.record({ op: fc.constant('pmbr' as const), kind: fc.constantFrom('zero' as const, 'badsig' as const, 'hybrid' as const) }),
    fc.record({ op: fc.constant('gptPrimary' as const), kind: fc.constantFrom('zero' as const, 'badcrc' as const) }),
    fc.record({
      op: fc.constant('gptBackupHeader' as const),
      field: fc.constantFrom<GptHeaderField>('partitionEntryLba', 'numPartitionEntries', 'sizeofPartitionEntry', 'firstUsableLba', 'lastUsableLba', 'myLba', 'alternateLba'),
      value: fc.constantFrom(...LBAS, '127', '128', '129'),
    }),
    fc.record({ op: fc.constant('gptName' as const), entry: fc.nat(7), name: fc.constantFrom('pstore', '', 'PSTORE', 'pstore2', 'x'.repeat(40), 'p\u00e9store') }),
    fc.record({ op: fc.constant('gptType' as const), entry: fc.nat(7), kind: fc.constantFrom('zero' as const, 'ff' as const) }),
  ];
}
