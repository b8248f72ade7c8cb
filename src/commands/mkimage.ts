/**
 * `mmcpstore mkimage`: a blank eMMC card image with a GPT (bootloader, env, misc, boot_a, boot_b,
 * pstore, rootfs), the table written through the emulated stack (CMD25 over the registers).
 */
import * as fs from 'node:fs';
import { mkimage as makeImage } from '../driver/board/index.js';
import { GiB, KiB, MiB, SECTOR_SIZE } from '../lib/units.js';
import { PartitionLayoutError } from '../driver/mmc/partitions/index.js';
import { lockImage, openImageBacking } from '../reader/board-open.js';
import { CliError, DataError, IoError, MISSING_INPUT_CODES, NOT_WRITABLE_CODES, OutputError, UsageError, errnoCode, hostIoFailure, strerror } from '../reader/errors.js';
import { HostIoError } from '../lib/host-io.js';
import { oneImage, toJson } from './board-session.js';
import { checkMkimageTarget } from '../reader/input/writable.js';
import type { Io } from './io.js';
import { optionDefault, type CliOptions } from './options.js';
import { renderTable } from './table.js';


export interface MkimageReport {
  image: string;
  layout: 'user-area' | 'qemu';
  fileSize: number;
  userSize: number;
  diskGuid: string;
  blkdev: string;
  cmdline: string;
  sectorsWritten: number;
  partitions: { number: number; name: string; start: number; sectors: number; size: number; type: string; partUuid: string; dev: string }[];
}

export async function runMkimage(o: CliOptions, io: Io): Promise<void> {
  const image = oneImage(o);
  checkMkimageTarget(image);
  if (o.cardSize === undefined) throw new UsageError('--size BYTES is required (the card\'s user area, e.g. 64M)', { option: 'size' });
  const size = o.cardSize;
  const pstoreSize = o.pstoreSize ?? optionDefault('pstoreSize');
  if (size % SECTOR_SIZE !== 0) throw new UsageError(`--size: ${size} is not a whole number of ${SECTOR_SIZE}-byte sectors`, { option: 'size' });
  if (pstoreSize % 4096 !== 0) throw new UsageError(`--pstore-size: ${pstoreSize} is not a multiple of 4096`, { option: 'pstore-size' });
  const layout = o.cardLayout ?? optionDefault('cardLayout');
  if (fs.existsSync(image) && !o.force) throw new OutputError(`'${image}' exists; give --force to replace it`, { path: image });
  let r;
  // the target's lock for the whole build; the temporary file beside it is private (no lock)
  const release = await lockImage(image, o.wait ?? optionDefault('wait')).catch((e: unknown) => {
    // no directory to create the lock in, or one we may not write: the image cannot be created either
    const code = e instanceof IoError && e.data?.['op'] === 'create' ? String(e.data['code']) : undefined;
    if (code && (NOT_WRITABLE_CODES.has(code) || MISSING_INPUT_CODES.has(code))) throw new OutputError(`cannot write '${image}': ${strerror({ code })}`, { code });
    throw e;
  });
  try {
    r = makeImage({ image, size, pstoreSize, seed: o.seed ?? optionDefault('seed'), layout, ...(o.label !== undefined ? { label: o.label } : {}), openImage: (p, ro) => openImageBacking(p, ro, { lock: false }) });
  } catch (e) {
    if (e instanceof PartitionLayoutError || e instanceof RangeError) throw new DataError(`mkimage: ${e.message}`);
    // the card image is mkimage's output: a target it may not write or create is EX_CANTCREAT, as for every writer
    const notWritable = (code: string | undefined): code is string => !!code && (NOT_WRITABLE_CODES.has(code) || MISSING_INPUT_CODES.has(code));
    if (e instanceof HostIoError) {
      if (notWritable(e.errnoCode)) throw new OutputError(`cannot write '${image}': ${strerror(e.cause)}`, { code: e.errnoCode });
      throw hostIoFailure(e);
    }
    if (e instanceof CliError) throw e;
    const code = errnoCode(e);
    if (notWritable(code)) throw new OutputError(`cannot write '${image}': ${strerror(e)}`, { code });
    if (code) throw new IoError(`cannot write '${image}': ${strerror(e)}`, { code });
    throw e;
  } finally {
    release();
  }
  const parts = r.card.layout.partitions.map((p, i) => ({
    number: p.number ?? i + 1,
    name: p.name,
    start: Number(p.firstLba),
    sectors: Number(p.lastLba) - Number(p.firstLba) + 1,
    size: (Number(p.lastLba) - Number(p.firstLba) + 1) * SECTOR_SIZE,
    type: p.typeGuid,
    partUuid: p.uniqueGuid,
    dev: `/dev/mmcblk0p${p.number ?? i + 1}`,
  }));
  const report: MkimageReport = {
    image,
    layout,
    fileSize: r.fileSize,
    userSize: size,
    diskGuid: r.card.layout.diskGuid,
    blkdev: r.blkdev,
    cmdline: `pstore_blk.blkdev=${r.blkdev}`,
    sectorsWritten: r.sectorsWritten,
    partitions: parts,
  };
  if (o.json) {
    await io.stdout.write(toJson(report) + '\n');
    return;
  }
  const c = io.stdout.color;
  const out: string[] = [];
  out.push(`image   ${image} (${r.fileSize} bytes, layout ${layout}; user area ${size} bytes, ${size / SECTOR_SIZE} sectors)`);
  out.push(`gpt     disk GUID ${report.diskGuid}, ${r.sectorsWritten} sectors written through the emulated card`);
  out.push('');
  out.push(
    renderTable(
      [{ header: '#', align: 'right' }, { header: 'NAME' }, { header: 'START', align: 'right' }, { header: 'SECTORS', align: 'right' }, { header: 'SIZE', align: 'right' }, { header: 'DEVICE' }, { header: 'PARTUUID' }],
      parts.map((p) => [String(p.number), p.name === 'pstore' || p.dev === r.blkdev ? { text: p.name, style: c.bold } : p.name, String(p.start), String(p.sectors), humanSize(p.size), p.dev, p.partUuid]),
      c.bold,
    ).trimEnd(),
  );
  out.push('');
  out.push(`pstore  ${c.bold(report.cmdline)}`);
  await io.stdout.write(out.join('\n') + '\n');
}

export function humanSize(n: number): string {
  if (n >= GiB && n % GiB === 0) return `${n / GiB}G`;
  if (n >= MiB && n % MiB === 0) return `${n / MiB}M`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB}K`;
  return String(n);
}
