/**
 * What `mmcpstore inspect --card` reports: boots the emulated board read-only and describes the
 * card as the driver sees it after init — CID/CSD/EXT_CSD highlights, the hardware partitions,
 * the partition table with /dev names and dev_t, and which partition pstore would use.
 */
import { closeBoard, type Tracer } from '../driver/board/index.js';
import { BlkdevError, formatDevT, type ResolvedBlkdev } from '../driver/mmc/partitions/index.js';
import { hex, hexDigits } from '../lib/hex.js';
import { KiB, SECTOR_SIZE } from '../lib/units.js';
import { openCardBoard, openImageBacking, requireCard } from './board-open.js';
import type { CardProbe } from './card-probe.js';
import { UsageError } from './errors.js';

export interface CardReport {
  image: string;
  layout: CardProbe['layout'];
  card: {
    name: string;
    cid: { manufacturerId: string; oemId: string; product: string; revision: string; serial: string; date: string; raw: string };
    csd: { structure: number; specVersion: number; raw: string };
    extCsd: {
      rev: number;
      secCount: number;
      capacity: number;
      bootSize: number;
      rpmbSize: number;
      partitionConfig: string;
      bootPartitionEnabled: number;
      partitionAccess: number;
      cardType: string;
      hsMaxDtr: number;
      partitionSwitchTimeMs: number;
      genericCmd6TimeMs: number;
      cacheSize: number;
    };
    bus: { timing: string; clockHz: number; width: number; addressing: 'sector' | 'byte'; rca: number };
  };
  hardwarePartitions: { name: string; area: string; sectors: number; size: number; dev: string }[];
  table: { scheme: string; warnings: string[] };
  partitions: { number: number; name: string; start: number; sectors: number; size: number; type: string; partUuid: string; label: string; dev: string; devT: string }[];
  pstore: { blkdev: string; form: string; dev: string; devT: string; start: number; sectors: number; size: number; offset: number } | { blkdev: string | null; error: string };
}

/** EXT_CSD BOOT_SIZE_MULT [226] and RPMB_SIZE_MULT [168] count 128 KiB units. */
const EXT_CSD_SIZE_UNIT = 128 * KiB;

const hexWords = (w: readonly number[]): string => w.map((x) => hexDigits(x, 8)).join('');

/** The CARD_TYPE bits as names. */
function cardTypeNames(t: number): string {
  const names: [number, string][] = [
    [0x01, 'HS26'],
    [0x02, 'HS52'],
    [0x04, 'DDR52 1.8/3V'],
    [0x08, 'DDR52 1.2V'],
    [0x10, 'HS200 1.8V'],
    [0x20, 'HS200 1.2V'],
    [0x40, 'HS400 1.8V'],
    [0x80, 'HS400 1.2V'],
  ];
  const on = names.filter(([b]) => t & b).map(([, n]) => n);
  return `${hex(t, 2)}${on.length ? ` (${on.join(', ')})` : ''}`;
}

/** What the card view is asked about. */
export interface CardQuery {
  image: string;
  /** the file to open, when not `image` (a compressed or streamed image's temporary copy) */
  file?: string;
  /** pstore_blk.blkdev to resolve; default: the partition labelled pstore */
  blkdev?: string;
  seed: number;
  /** Makes the tracer once the image is known to be a card (--trace). */
  tracer?: () => Tracer | undefined;
}

export function cardReport(q: CardQuery): CardReport {
  const { image } = q;
  const file = q.file ?? image;
  const probe = requireCard(file, image);
  const tracer = q.tracer?.();
  const s = openCardBoard({ image: file, openImage: openImageBacking, readOnly: true, layout: probe.layout, seed: q.seed, bootLogLines: 0, ...(tracer ? { trace: tracer } : {}) }, image);
  try {
    const st = s.stack;
    const card = st.card;
    const ext = card.extCsd;
    const cid = card.cid;
    const user = st.disks[0]!;
    const scanned = new Map(st.scan.partitions.map((p) => [p.number, p]));
    let pstore: CardReport['pstore'];
    const spec = q.blkdev ?? (probe.pstoreNumber !== null ? `PARTLABEL=pstore` : null);
    if (spec === null) pstore = { blkdev: null, error: 'no partition is labelled pstore; give --blkdev' };
    else {
      try {
        const r: ResolvedBlkdev = st.findBlkdev(spec).resolved;
        pstore = { blkdev: spec, form: r.form, dev: r.path, devT: formatDevT(r.devt), start: r.startSector, sectors: r.sectors, size: r.sectors * SECTOR_SIZE, offset: probe.userOffset + r.startSector * SECTOR_SIZE };
      } catch (e) {
        if (!(e instanceof BlkdevError)) throw e;
        if (q.blkdev !== undefined) throw new UsageError(`--blkdev: ${e.message}`, { option: 'blkdev', value: q.blkdev });
        pstore = { blkdev: spec, error: e.message };
      }
    }
    return {
      image,
      layout: probe.layout,
      card: {
        name: card.name,
        cid: {
          manufacturerId: hex(cid.manfid, 2),
          oemId: hex(cid.oemid, 4),
          product: cid.prodName,
          revision: `${cid.prv >> 4}.${cid.prv & 0xf}`,
          serial: hex(cid.serial, 8),
          date: `${String(cid.month).padStart(2, '0')}/${cid.year}`,
          raw: hexWords(card.rawCid),
        },
        csd: { structure: card.csd.structure, specVersion: card.csd.mmcaVsn, raw: hexWords(card.rawCsd) },
        extCsd: {
          rev: ext.rev,
          secCount: ext.sectors,
          capacity: ext.sectors * SECTOR_SIZE,
          bootSize: ext.bootMult * EXT_CSD_SIZE_UNIT,
          rpmbSize: ext.rpmbMult * EXT_CSD_SIZE_UNIT,
          partitionConfig: hex(ext.partConfig, 2),
          bootPartitionEnabled: (ext.partConfig >> 3) & 7,
          partitionAccess: ext.partConfig & 7,
          cardType: cardTypeNames(ext.cardType),
          hsMaxDtr: ext.hsMaxDtr,
          partitionSwitchTimeMs: ext.partTimeMs,
          genericCmd6TimeMs: ext.genericCmd6Time,
          cacheSize: ext.cacheSize,
        },
        bus: { timing: st.host.ios.timing, clockHz: st.host.ios.clock, width: st.host.ios.busWidth, addressing: card.blockaddr ? 'sector' : 'byte', rca: card.rca },
      },
      hardwarePartitions: st.devices.map((d) => ({ name: d.name, area: d.area, sectors: d.sectors, size: d.sectors * SECTOR_SIZE, dev: `/dev/${d.name}` })),
      table: { scheme: st.scan.scheme, warnings: st.scan.warnings.map((w) => w.message) },
      partitions: user.partitions.map((p) => ({
        number: p.partno,
        name: scanned.get(p.partno)?.gpt?.name ?? '',
        start: p.startSector,
        sectors: p.sectors,
        size: p.sectors * SECTOR_SIZE,
        type: scanned.get(p.partno)?.gpt?.typeGuid ?? (scanned.get(p.partno)?.mbr ? `0x${(scanned.get(p.partno)!.mbr as { type?: number }).type?.toString(16) ?? '?'}` : ''),
        partUuid: p.partUuid,
        label: p.label,
        dev: p.path,
        devT: formatDevT(p.devt),
      })),
      pstore,
    };
  } finally {
    closeBoard(s);
  }
}
