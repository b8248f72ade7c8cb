/** What a session does: panic, oops, pmsg/console writes, erase, recovery, clean shutdown. */
import { HangError, SleepInAtomicError } from '../mmc/cpu.js';
import { DeadlockError, LockContendedError, type PanicOutcome, type PanicResult } from '../system/index.js';
import { errnoName } from '../../lib/errno.js';
import { MmioAbortError } from '../../device/board.js';
import type { PstoreFile } from '../../zone/platform.js';
import type { PstoreZone } from '../../zone/psz-zone.js';
import { PSZ_BUFFER, decodePszBuffer } from '../../zone/codec.js';
import { applyScenario } from './scenario.js';
import type { BoardSession } from './session.js';
import type { OopsReport, PanicReport, PanicScenario, ReportPhase } from './types.js';
import { verifyPanicWrites } from './verify.js';
import { lostRecordCause } from './loss-cause.js';

export interface RunPanicOptions {
  message: string;
  /** log lines appended before the panic (see System.loadUserLog) */
  userLog?: string[];
  scenario?: PanicScenario;
}

const enc = new TextEncoder();

export function runPanic(session: BoardSession, o: RunPanicOptions): PanicReport {
  const p = session.requirePstore();
  const { system, stack } = session;
  const ctx = p.ctx;
  if (o.userLog?.length) system.loadUserLog(o.userLog.join('\n') + '\n');
  const setup = applyScenario(session, o.scenario ?? {});
  const logStart = session.kernelLog.length;
  const hostLogStart = stack.host.log.length;
  const cpuStart = system.cpus.trace.length;
  const evStart = ctx.events.length;
  const pwStart = ctx.panicLog.length;
  const traceStart = session.tracer?.records.length ?? 0;
  const resultsStart = p.attachment.results.length;
  const sleepsStart = stack.cpu.atomicSleeps.length;

  let result: PanicResult | undefined;
  let thrown: Error | undefined;
  session.markPresent();
  try {
    result = system.panic(o.message);
  } catch (e) {
    // an external abort on gated MMIO inside panic() is a nested oops: the CPU stops there
    if (e instanceof SleepInAtomicError || e instanceof HangError || e instanceof DeadlockError || e instanceof LockContendedError || e instanceof MmioAbortError) thrown = e;
    else throw e;
  }
  session.panicked = true;

  const panicOutcome: PanicOutcome = thrown ? 'hung' : result!.outcome;
  const phases: ReportPhase[] = [];
  for (const ph of result?.phases ?? []) phases.push({ t: Number(ph.t), name: `panic:${ph.name}`, detail: ph.detail, irqsOff: ph.irqsDisabled });
  const events = ctx.events.slice(evStart);
  for (const e of events) phases.push({ t: e.t, name: e.what, detail: e.detail, irqsOff: e.irqsOff });
  phases.sort((a, b) => a.t - b.t);

  const writes = ctx.panicLog.slice(pwStart);
  const layout = p.core.zone.layout;
  const zoneName = (off: number): string => {
    const k = layout.kmsg.findIndex((z) => z.off === off);
    if (k >= 0) return `kmsg ${k}`;
    for (const z of [layout.pmsg, layout.console, ...layout.ftrace]) if (z && z.off === off) return `${z.kind} ${z.index}`;
    return `0x${off.toString(16)}`;
  };
  const dump = p.attachment.results.slice(resultsStart)[0];
  const part1 = dump?.parts[0];
  const report: PanicReport = {
    outcome: 'lost',
    driverResult: 'not called',
    onCard: false,
    panic: panicOutcome,
    panicWriteNs: writes.length ? writes[writes.length - 1]!.t1 - writes[0]!.t0 : 0,
    phases,
    writes: writes.map((w) => ({ zone: zoneName(w.off), offset: w.off, bytes: w.bytes.length, ret: w.ret })),
    driverLog: session.kernelLog.slice(logStart).filter((l) => l.startsWith('mmcpstore:')),
    hostLog: stack.host.log.slice(hostLogStart),
    cpuTrace: system.cpus.trace.slice(cpuStart),
    atomicSleeps: stack.cpu.atomicSleeps.slice(sleepsStart),
    irqsOffThroughout: events.every((e) => e.irqsOff),
    notes: setup.notes,
  };
  if (session.tracer) report.trace = session.tracer.records.slice(traceStart).map((r) => r.line);
  if (part1) {
    report.zone = part1.zone;
    report.compressed = part1.compressed;
    report.compressedSize = part1.compressed ? part1.size : undefined;
    report.textSize = part1.textSize;
    report.counter = p.core.zone.panicCounter;
    if (part1.zone !== undefined) report.zoneOffset = layout.kmsg[part1.zone]?.off;
  }
  const first = writes[0];
  if (first) report.recordBytes = first.bytes.length;
  const lastEmerg = report.driverLog.filter((l) => /PANIC|failed|not written|refus/i.test(l)).slice(-1)[0];

  // Two separate questions: what the driver told pstore, and whether the record is on the card
  // (read back through a second boot, as the next boot's recovery would find it).
  report.driverResult = !first ? 'not called' : !first.returned ? 'hung' : first.ret === first.bytes.length ? 'ok' : errnoName(first.ret);
  if (first?.returned) report.driverReturned = first.ret;
  const check = first ? verifyPanicWrites(session, [first])[0]! : undefined;
  report.onCard = !!check?.landed;
  const hung = thrown ? `panic path hung: ${thrown.message}` : panicOutcome === 'hung' ? `panic path hung: ${result!.error?.message ?? 'unknown'}` : undefined;

  if (report.onCard) {
    report.outcome = 'written';
    if (hung) report.reason = `${hung}; record is on the card`;
    else if (report.driverResult !== 'ok') report.reason = `driver returned ${report.driverResult}${lastEmerg ? ` (${lastEmerg})` : ''}; record is on the card`;
  } else if (hung) {
    report.reason = hung;
  } else if (!dump) {
    const skipped = p.attachment.skipped.slice(-1)[0];
    report.reason = skipped ? skipped.message : panicOutcome === 'kexec' ? 'crash kernel booted before kmsg_dump' : 'pstore dumper not called';
  } else if (!first) {
    report.reason = 'panic_write was never called (the zone layer kept the record in RAM)';
  } else if (first.ret !== first.bytes.length) {
    report.reason = `panic_write returned ${errnoName(first.ret)}${lastEmerg ? `: ${lastEmerg}` : ''}`;
  } else {
    report.reason = `driver reported success but the card does not hold the record (first difference at byte ${check!.firstDiff})${lostRecordCause(session, events)}`;
  }
  if (report.outcome === 'written' && report.zone === undefined) report.zone = layout.kmsg.findIndex((z) => z.off === first!.off);
  return report;
}

/**
 * An oops (panic_on_oops off): the dump in atomic context gets -EBUSY, the flusher stores it
 * 500 ms later from process context, then a clean shutdown (reboot notifier) and the read-back:
 * is the record on the card, as the next boot would find it?
 */
export function runOops(session: BoardSession, message: string): OopsReport {
  const p = session.requirePstore();
  const logStart = session.kernelLog.length;
  const resultsStart = p.attachment.results.length;
  session.markPresent();
  const res = session.system.oops(message);
  const dump = p.attachment.results.slice(resultsStart)[0];
  const zoneIndex = dump?.parts[0]?.zone;
  const report: OopsReport = { outcome: 'lost', driverResult: 'not called', onCard: false, driverLog: [] };
  if (zoneIndex !== undefined) report.zone = zoneIndex;
  if (res.outcome === 'hung') {
    report.reason = res.error?.message ?? 'the oops path hung';
  } else if (!dump || zoneIndex === undefined) {
    report.reason = `not dumped: pstore_blk.max_reason=${p.params.maxReason} does not take oopses (KMSG_DUMP_OOPS is 2)`;
  } else {
    if (res.outcome === 'continued') {
      const left = runFlusher(session);
      report.driverResult = left.length ? `dirty zones left: ${left.join(', ')}` : 'ok';
    } else report.driverResult = 'ok';
    shutdownBoard(session);
    const check = zonesOnCard(session, [p.core.zone.kpszs[zoneIndex]!])[0]!;
    report.onCard = check.onCard;
    if (check.onCard) {
      report.outcome = 'written';
      if (report.driverResult !== 'ok') report.reason = `${report.driverResult}; record is on the card`;
    } else {
      report.reason = `the card does not hold the record after the shutdown (first difference at byte ${check.firstDiff} of kmsg zone ${zoneIndex})${
        report.driverResult !== 'ok' ? `: ${report.driverResult}` : ''
      }`;
    }
  }
  report.driverLog = session.kernelLog.slice(logStart).filter((l) => l.startsWith('mmcpstore:'));
  return report;
}

/**
 * psz's delayed flusher: 500 ms after a write got -EBUSY, every dirty zone is written again from
 * process context. Returns the zones still dirty ("kmsg 0", "console 0", ...).
 */
export function runFlusher(session: BoardSession): string[] {
  const zone = session.requirePstore().core.zone;
  session.system.advance(500_000_000);
  return zone.flushAllDirtyZones() ? zone.dirtyZones().map((z) => `${z.kind} ${z.index}`) : [];
}

/** Whether a zone's RAM copy (what the kernel believes it holds) is on the card. */
export interface ZoneLanding {
  zone: string;
  onCard: boolean;
  /** first differing byte within the zone */
  firstDiff?: number;
}

/**
 * Read back through a second boot whether each zone's RAM copy is on the card (after
 * shutdownBoard): its header and the `datalen` bytes recovery reads — the rest of the RAM copy is
 * the 0xFF fill of psz_init_zone(), which the kernel never writes out on its own.
 */
export function zonesOnCard(session: BoardSession, zones: readonly PstoreZone[]): ZoneLanding[] {
  const used = (z: PstoreZone): Uint8Array => {
    const ram = z.buffer;
    const datalen = Math.max(0, Math.min(decodePszBuffer(ram).datalen, z.desc.bufferSize));
    return ram.subarray(0, Math.min(ram.length, PSZ_BUFFER.size + datalen));
  };
  const checks = verifyPanicWrites(session, zones.map((z) => ({ off: z.desc.off, bytes: used(z) })));
  return checks.map((c, i) => {
    const z = zones[i]!;
    const out: ZoneLanding = { zone: `${z.desc.kind} ${z.desc.index}`, onCard: c.landed };
    if (c.firstDiff !== undefined) out.firstDiff = c.firstDiff;
    return out;
  });
}

export function writePmsg(session: BoardSession, text: string | Uint8Array): number {
  const p = session.requirePstore();
  session.markPresent();
  return p.core.writePmsg(typeof text === 'string' ? enc.encode(text) : text);
}

export function writeConsole(session: BoardSession, text: string | Uint8Array): number {
  const p = session.requirePstore();
  session.markPresent();
  return p.core.writeConsole(typeof text === 'string' ? enc.encode(text) : text);
}

/**
 * The records pstorefs shows: read through the driver at the first mount (recovery), then the
 * mounted file list, as /sys/fs/pstore keeps its inodes.
 */
export function recoverFiles(session: BoardSession): PstoreFile[] {
  const p = session.requirePstore();
  if (!p.mounted) {
    session.markPresent();
    p.mounted = p.core.readFiles();
  }
  return p.mounted;
}

/** rm /sys/fs/pstore/<name>: 0, or -errno; -ENOENT (-2) if there is no such file. */
export function erase(session: BoardSession, name: string): number {
  const p = session.requirePstore();
  const files = recoverFiles(session);
  const i = files.findIndex((x) => x.name === name);
  if (i < 0) return -2;
  const ret = p.core.eraseFile(files[i]!);
  if (ret >= 0) files.splice(i, 1);
  return ret;
}

/**
 * The clean-shutdown half of closeBoard, once: pstore detached, the reboot notifier (dirty zones
 * flushed; v3–v5 set SHUTDOWN first, so the flush fails: H16). Nothing after a panic.
 */
export function shutdownBoard(session: BoardSession): void {
  if (session.shutDown || !session.pstore || session.panicked) return;
  session.shutDown = true;
  session.pstore.attachment.detach();
  session.pstore.driver.rebootNotify();
}

/**
 * Clean shutdown: the reboot notifier (flush dirty zones, unregister), then the board is closed
 * and the image unlocked. After a panic nothing is flushed (emergency_restart runs no notifiers).
 */
export function closeBoard(session: BoardSession): void {
  if (session.closed) return;
  session.closed = true;
  shutdownBoard(session);
  session.stack.close();
  session.board.close();
}
