/** The `inspect --explain` findings: per zone (consecutive alike zones share a line), then the hints. */
import { html, type Html } from './escape.js';
import type { ExplainFindings } from './model.js';

export function explainSection(e: ExplainFindings): Html {
  const lines: Html[] = [];
  for (let i = 0; i < e.zones.length; ) {
    const z = e.zones[i]!;
    let j = i + 1;
    while (j < e.zones.length && e.zones[j]!.kind === z.kind && e.zones[j]!.text === z.text && e.zones[j]!.index === e.zones[j - 1]!.index + 1) j++;
    const idx = j - i > 1 ? `${z.index}-${e.zones[j - 1]!.index}` : String(z.index);
    lines.push(html`<li><b>${z.kind} ${idx}</b>: ${z.text}</li>`);
    i = j;
  }
  const hints = e.hints.length ? html`<h3>Kernel settings that matter here</h3><ul class="hints">${e.hints.map((h) => html`<li>${h}</li>`)}</ul>` : html``;
  return html`<section id="explain"><h2>Explanations <span class="sub">inspect --explain</span></h2><ul class="findings">${lines}</ul>${hints}</section>`;
}
