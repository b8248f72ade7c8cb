/** inspect's report with the per-zone explanations (`inspect --explain`). */
import { detectLayout } from '../zone/forensics/detect.js';
import { explainImage, type Explanation } from '../zone/forensics/explain.js';
import { kernelProfile } from '../zone/kernel-profile.js';
import { parseReadParams } from './mmcpstore-params.js';
import { analyseImage } from './readers.js';
import type { ImageReport } from './report.js';
import type { ImageOptions } from './types.js';

/** inspect's report plus the per-zone explanations (`--explain`). */
export function explainReport(opts: ImageOptions): ImageReport & { explain: Explanation } {
  let related = {};
  try {
    related = parseReadParams(opts.paramString).related;
  } catch {
    /* resolveParams reports it */
  }
  const r = analyseImage(opts, (ctx) => {
    const read = (b: Uint8Array, p: number): number => ctx.region.readAt(b, p);
    const detected = ctx.detected ?? detectLayout(read, ctx.region.size, kernelProfile(opts.kernel));
    return explainImage({
      read,
      layout: ctx.zone.layout,
      verdicts: ctx.zone.verdicts,
      files: ctx.files,
      recovered: ctx.report.recovery.ok,
      params: ctx.report.params.requested,
      related,
      detected,
      paramsGiven: ctx.paramsGiven,
    });
  });
  return { ...r.report, explain: r.extra };
}
