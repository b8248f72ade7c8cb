/** What a session does: panic, oops, pmsg/console writes, erase, recovery, clean shutdown. */
import { HangError, SleepInAtomicError } from '../mmc/cpu.js';
import { DeadlockError, LockContendedError, type PanicOutcome, type PanicResult } from '../system/index.js';
import { errnoName } from '../../lib/errno.js';
import { MmioAbortError } from '../../device/board.js';
import type { PstoreFile } from '../../zone/platform.js';
import { applyScenario } from './scenario.js';
import type { BoardSession } from './session.js';
import type { OopsReport, PanicReport, PanicScenario, ReportPhase } from './types.js';
import { verifyPanicWrites } from './verify.js';

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

  if (thrown) {
    report.reason = `panic path hung: ${thrown.message}`;
  } else if (panicOutcome === 'hung') {
    report.reason = `panic path hung: ${result!.error?.message ?? 'unknown'}`;
  } else if (!dump) {
    const skipped = p.attachment.skipped.slice(-1)[0];
    report.reason = skipped ? skipped.message : panicOutcome === 'kexec' ? 'crash kernel booted before kmsg_dump' : 'pstore dumper not called';
  } else if (!first) {
    report.reason = 'panic_write was never called (the zone layer kept the record in RAM)';
  } else if (first.ret !== first.bytes.length) {
    report.reason = `panic_write returned ${errnoName(first.ret)}${lastEmerg ? `: ${lastEmerg}` : ''}`;
  } else {
    const check = verifyPanicWrites(session, [first])[0]!;
    if (check.landed) report.outcome = 'written';
    else {
      const sbc = events.some((e) => e.detail.includes('sbc error ignored'));
      report.reason = `driver reported success but the card does not hold the record (first difference at byte ${check.firstDiff})${
        sbc ? ': CMD23 failed, the data command was never sent, and sbc.error is not examined' : ''
      }`;
    }
  }
  if (report.outcome === 'written' && report.zone === undefined) report.zone = layout.kmsg.findIndex((z) => z.off === first!.off);
  return report;
}

/** An oops (panic_on_oops off): the dump is deferred with -EBUSY and the flusher stores it 500 ms later. */
export function runOops(session: BoardSession, message: string): OopsReport {
  const p = session.requirePstore();
  const logStart = session.kernelLog.length;
  const res = session.system.oops(message);
  const zone = p.core.zone;
  const dump = p.attachment.results.slice(-1)[0];
  const report: OopsReport = { outcome: 'deferred', zone: dump?.parts[0]?.zone, driverLog: [] };
  if (res.outcome === 'hung') {
    report.outcome = 'lost';
    report.reason = res.error?.message;
  } else if (res.outcome === 'continued') {
    // psz_flush_all_dirty_zones() from the delayed work, 500 ms later, in process context
    session.system.advance(500_000_000n);
    const still = zone.flushAllDirtyZones();
    report.outcome = still ? 'lost' : 'written';
    if (still) report.reason = `dirty zones left: ${zone.dirtyZones().map((z) => `${z.kind} ${z.index}`).join(', ')}`;
  }
  report.driverLog = session.kernelLog.slice(logStart).filter((l) => l.startsWith('mmcpstore:'));
  return report;
}

export function writePmsg(session: BoardSession, text: string | Uint8Array): number {
  const p = session.requirePstore();
  return p.core.writePmsg(typeof text === 'string' ? enc.encode(text) : text);
}

export function writeConsole(session: BoardSession, text: string | Uint8Array): number {
  const p = session.requirePstore();
  return p.core.writeConsole(typeof text === 'string' ? enc.encode(text) : text);
}

/**
 * The records pstorefs shows: read through the driver at the first mount (recovery), then the
 * mounted file list, as /sys/fs/pstore keeps its inodes.
 */
export function recoverFiles(session: BoardSession): PstoreFile[] {
  const p = session.requirePstore();
  p.mounted ??= p.core.readFiles();
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
 * Clean shutdown: the reboot notifier (flush dirty zones, unregister), then the board is closed
 * and the image unlocked. After a panic nothing is flushed (emergency_restart runs no notifiers).
 */
export function closeBoard(session: BoardSession): void {
  if (session.closed) return;
  session.closed = true;
  if (session.pstore && !session.panicked) {
    session.pstore.attachment.detach();
    session.pstore.driver.rebootNotify();
  }
  session.stack.close();
  session.board.close();
}
