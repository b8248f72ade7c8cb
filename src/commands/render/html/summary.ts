/**
 * What the image is: the file and the region read, the card and its partitions (a whole card),
 * the parameters pstore/blk was registered with and how they were found, the layout, and the
 * warnings and kernel log of the read.
 */
import { SECTOR_SIZE } from '../../../lib/units.js';
import type { ImageReport } from '../../../reader/report.js';
import { html, type Html } from './escape.js';
import { offsetFormatter, shortSize, sizeText } from './format.js';
import type { CardInfo } from './model.js';

function row(label: string, value: Html | string): Html {
  return html`<tr><th>${label}</th><td>${value}</td></tr>`;
}

function cardTable(card: CardInfo, regionOffset: number): Html {
  const fmt = offsetFormatter(card.userOffset + card.userSize);
  const rows = card.partitions.map((p) => {
    const start = card.userOffset + p.firstLba * SECTOR_SIZE;
    const pstore = start === regionOffset;
    return html`<tr${pstore ? html` class="pstore"` : html``}><td class="n">${p.number}</td><td>${p.label || '-'}</td><td class="mono">${fmt(start)}</td><td class="n">${p.firstLba}</td><td class="n">${p.sectors}</td><td class="n">${shortSize(p.sectors * SECTOR_SIZE)}</td><td class="mono">${p.partUuid || '-'}</td><td>${pstore ? 'pstore region' : ''}</td></tr>`;
  });
  const where = card.layout === 'qemu' ? `boot0|boot1|RPMB|user in one file (QEMU), user area at ${fmt(card.userOffset)}` : 'the file is the user area';
  const holder = card.partitions.find((p) => card.userOffset + p.firstLba * SECTOR_SIZE === regionOffset);
  const held = holder ? html`; pstore is partition ${holder.number}${holder.label ? ` "${holder.label}"` : ''}` : html``;
  return html`<h3>Card</h3><p>${card.scheme.toUpperCase()} partition table, user area ${sizeText(card.userSize)}; ${where}${held}.</p><details class="parts"><summary>${card.partitions.length} partition${card.partitions.length === 1 ? '' : 's'}</summary><table class="parts"><thead><tr><th>#</th><th>PARTLABEL</th><th>offset</th><th>first LBA</th><th>sectors</th><th>size</th><th>PARTUUID</th><th></th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

export function summarySection(r: ImageReport, card: CardInfo | null): Html {
  const img = r.image;
  const fmt = offsetFormatter(img.offset + img.size);
  const det = r.params.detection;
  const counts = (Object.entries(r.layout.zoneCounts) as [string, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  const rows: Html[] = [
    row('image', html`<span class="mono">${img.path}</span>${img.fileSize !== null ? ` (${sizeText(img.fileSize)})` : ' (block device)'}`),
    row('pstore region', html`<span class="mono">${fmt(img.offset)}..${fmt(img.offset + img.size)}</span>, ${sizeText(img.size)}`),
    row('parameters', html`<code>${r.params.cmdline}</code>`),
    row('kernel', `${r.params.kernel} behaviour, ${r.params.nrCpus} CPU${r.params.nrCpus === 1 ? '' : 's'}, pstore.compress=${r.params.compress}`),
  ];
  if (det) rows.push(row('detection', det.used ? `auto-detected from the zone signatures: ${det.summary}` : det.summary));
  if (r.params.ignored.length) rows.push(row('ignored', r.params.ignored.join(', ')));
  rows.push(row('layout', `${counts || 'no'} zones; ${r.layout.totalSize} bytes used${r.layout.capped ? ` (capped from ${r.layout.deviceSize})` : ''}, ${r.layout.unused} unused`));
  for (const n of r.layout.notes) rows.push(row('kernel note', n));
  const warnings = r.warnings.length ? html`<h3>Warnings</h3><ul class="warnings">${r.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : html``;
  const log = r.log.length ? html`<details><summary>Kernel log of the read (${r.log.length} line${r.log.length === 1 ? '' : 's'})</summary><pre class="text">${r.log.join('\n')}</pre></details>` : html``;
  return html`<section id="image"><h2>Image</h2><table class="kv"><tbody>${rows}</tbody></table>${card ? cardTable(card, img.offset) : html``}${warnings}${log}</section>`;
}
