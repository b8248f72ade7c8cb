/**
 * `mmcpstore inspect --card`: the card as the driver sees it after init (reader/card-report.ts
 * boots the board read-only and reports), as text or JSON.
 */
import { cardReport, type CardReport } from '../reader/card-report.js';
import { oneImage, toJson, traceSink } from './board-session.js';
import type { Io } from './io.js';
import { humanSize } from './mkimage.js';
import { optionDefault, type CliOptions } from './options.js';
import { renderTable } from './table.js';

export function renderCard(r: CardReport, c: { bold(s: string): string; green(s: string): string; red(s: string): string }): string {
  const k = r.card;
  const out: string[] = [];
  out.push(`image    ${r.image} (layout ${r.layout})`);
  out.push(`card     ${k.name}: ${k.cid.product} rev ${k.cid.revision}, manufacturer ${k.cid.manufacturerId}, OEM ${k.cid.oemId}, serial ${k.cid.serial}, made ${k.cid.date}`);
  out.push(`csd      structure ${k.csd.structure}, spec version ${k.csd.specVersion}`);
  out.push(`ext_csd  EXT_CSD_REV ${k.extCsd.rev}, SEC_COUNT ${k.extCsd.secCount} (${humanSize(k.extCsd.capacity)}), boot ${humanSize(k.extCsd.bootSize)} x2, RPMB ${humanSize(k.extCsd.rpmbSize)}`);
  out.push(`         PARTITION_CONFIG ${k.extCsd.partitionConfig} (boot enable ${k.extCsd.bootPartitionEnabled}, access ${k.extCsd.partitionAccess}), CARD_TYPE ${k.extCsd.cardType}`);
  out.push(`bus      ${k.bus.timing}, ${k.bus.clockHz / 1e6} MHz, ${k.bus.width}-bit, ${k.bus.addressing} addressing, RCA ${k.bus.rca}`);
  out.push('');
  out.push(c.bold('hardware partitions'));
  for (const h of r.hardwarePartitions) out.push(`  ${h.dev.padEnd(22)} ${h.area.padEnd(5)} ${String(h.sectors).padStart(10)} sectors  ${humanSize(h.size)}`);
  out.push('');
  out.push(c.bold(`partition table (${r.table.scheme})`));
  const isPstore = (dev: string): boolean => 'dev' in r.pstore && r.pstore.dev === dev;
  out.push(
    renderTable(
      [{ header: '#', align: 'right' }, { header: 'NAME' }, { header: 'START', align: 'right' }, { header: 'SIZE', align: 'right' }, { header: 'DEVICE' }, { header: 'DEV_T' }, { header: 'TYPE' }, { header: 'PARTUUID' }],
      r.partitions.map((p) => [String(p.number), isPstore(p.dev) ? { text: p.label || p.name, style: c.bold } : p.label || p.name, String(p.start), humanSize(p.size), p.dev, p.devT, p.type, p.partUuid]),
    ).trimEnd(),
  );
  for (const w of r.table.warnings) out.push(`  warning: ${w}`);
  out.push('');
  if ('dev' in r.pstore) {
    out.push(`pstore   ${c.green(r.pstore.dev)} (${r.pstore.devT}) from ${r.pstore.blkdev} [${r.pstore.form}]: sectors ${r.pstore.start}+${r.pstore.sectors}, ${humanSize(r.pstore.size)} at file offset ${r.pstore.offset}`);
    out.push(`         pstore_blk.blkdev=${r.pstore.dev}`);
  } else out.push(`pstore   ${c.red('none')}: ${r.pstore.error}`);
  return out.join('\n') + '\n';
}

/** The `inspect --card` command body (`file`: the image's temporary copy, when it has one). */
export async function runInspectCard(o: CliOptions, io: Io, file?: string): Promise<void> {
  const r = cardReport({
    image: oneImage(o),
    ...(file !== undefined ? { file } : {}),
    seed: o.seed ?? optionDefault('seed'),
    ...(o.blkdev !== undefined ? { blkdev: o.blkdev } : {}),
    tracer: () => traceSink(o.trace, io),
  });
  if (o.json) await io.stdout.write(toJson(r) + '\n');
  else await io.stdout.write(renderCard(r, io.stdout.color));
}
