/**
 * Layout inference, pmsg and console: one zone each, at offset 0 and right
 * after pmsg. A wrapped ring's datalen is its buffer size; otherwise a zone
 * ends where the next signature begins (with the assumption named).
 */
import { hex } from '../../lib/hex.js';
import { PSZ_BUFFER } from '../codec.js';
import { alignDown, alignUp, firstPositive, type Inference, type ZoneStartHits } from './inference.js';

const NO_PMSG_ZONE: Inference = { value: 0, confidence: 'exact', how: 'no pmsg zone' };

/** pmsg_size in bytes. `ftraceStart`: CPU 0's ftrace zone, when the ftrace records place it. */
export function inferPmsgSize(hits: ZoneStartHits, ftraceStart: number | undefined, regionSize: number): Inference {
  const { pmsg, console: consoleHit, ftrace, kmsg } = hits;
  if (pmsg) {
    if (pmsg.wrapped) return { value: pmsg.datalen + PSZ_BUFFER.size, confidence: 'exact', how: 'pmsg ring wrapped: its datalen is the buffer size' };
    if (consoleHit) return { value: consoleHit.off, confidence: 'exact', how: `the console zone starts at ${hex(consoleHit.off)}` };
    if (ftraceStart !== undefined && ftraceStart > 0) {
      return { value: ftraceStart, confidence: 'likely', how: `the ftrace area starts at ${hex(ftraceStart)} (assuming no never-written console zone in between)` };
    }
    if (ftrace.length && ftrace[0]!.off > 0) return { value: alignDown(ftrace[0]!.off), confidence: 'ambiguous', how: 'bounded by the first ftrace signature' };
    if (kmsg.length) {
      const firstKmsg = kmsg[0]!.off;
      return { value: firstKmsg, confidence: 'likely', how: `the first dmesg zone starts at ${hex(firstKmsg)} (assuming no never-written console or ftrace zones in between)` };
    }
    return {
      value: Math.max(alignUp(pmsg.datalen + PSZ_BUFFER.size), alignDown(regionSize)),
      confidence: 'ambiguous',
      how: 'only a pmsg zone has a signature; taken to fill the region',
    };
  }
  if (consoleHit) {
    const how = consoleHit.off === 0 ? 'no pmsg zone: the console zone starts at offset 0' : `pmsg zone never written; its size is the console zone's offset ${hex(consoleHit.off)}`;
    return { value: consoleHit.off, confidence: 'exact', how };
  }
  // No pmsg or console signature: whatever precedes the first zone found.
  const first = firstPositive(ftraceStart, ftrace[0]?.off, kmsg[0]?.off) ?? 0;
  const anchor = ftraceStart !== undefined ? ftraceStart : (kmsg[0]?.off ?? 0);
  if (anchor === 0 || (ftraceStart === undefined && !ftrace.length && kmsg[0]?.off === 0)) return NO_PMSG_ZONE;
  const size = ftraceStart !== undefined ? ftraceStart : alignDown(first);
  if (size === 0) return NO_PMSG_ZONE;
  return { value: size, confidence: 'ambiguous', how: `${size} bytes before the first signature hold none: a never-written pmsg or console zone (taken as pmsg), or a region that starts before the pstore partition` };
}

/** console_size in bytes; `kmsgSpacing` is the distance between dmesg zones, when known. */
export function inferConsoleSize(hits: ZoneStartHits, ftraceStart: number | undefined, pmsgSize: number, kmsgSpacing: number | undefined, regionSize: number): Inference {
  const { pmsg, console: consoleHit, ftrace, kmsg } = hits;
  if (consoleHit) {
    if (consoleHit.wrapped) return { value: consoleHit.datalen + PSZ_BUFFER.size, confidence: 'exact', how: 'console ring wrapped: its datalen is the buffer size' };
    if (ftraceStart !== undefined) return { value: ftraceStart - pmsgSize, confidence: 'exact', how: `the ftrace area starts at 0x${ftraceStart.toString(16)}` };
    if (ftrace.length) return { value: alignDown(ftrace[0]!.off) - pmsgSize, confidence: 'ambiguous', how: 'bounded by the first ftrace signature' };
    if (kmsg.length) {
      return { value: kmsg[0]!.off - pmsgSize, confidence: 'likely', how: `the first dmesg zone starts at ${hex(kmsg[0]!.off)} (assuming no never-written ftrace area in between)` };
    }
    return { value: alignDown(regionSize) - pmsgSize, confidence: 'ambiguous', how: 'nothing after the console zone has a signature; taken to fill the region' };
  }
  if (pmsg && pmsg.wrapped) {
    // A gap after a full pmsg zone that is not whole dmesg zones: a console zone never written.
    const next = firstPositive(ftraceStart, kmsg[0]?.off);
    if (next !== undefined && next > pmsgSize && (ftraceStart !== undefined || !kmsg.length || kmsgSpacing === undefined || (next - pmsgSize) % kmsgSpacing !== 0)) {
      const size = next - pmsgSize;
      return { value: size, confidence: 'ambiguous', how: `${size} bytes between the pmsg zone and the next signature: taken as a never-written console zone` };
    }
  }
  return { value: 0, confidence: 'exact', how: 'no console signature' };
}
