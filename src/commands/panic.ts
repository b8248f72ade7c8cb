/**
 * `mmcpstore panic`: one boot of the emulated board over a card image — recovery at the pstorefs
 * mount (earlier records survive), the seeded boot log plus the user's lines, then panic() with
 * mmcpstore's panic path register by register, optionally in one of the hazard scenarios of
 * docs/scenarios.md. Reports what was written where (stderr; --json on stdout). The exit status
 * follows the card, read back through a second boot: 0 when the record is there (even if the
 * driver returned an error: the report says both), 1 when it is not, with the reason.
 */
import type { MmcpstoreVersion, PanicReport, PanicScenario, ReportPhase } from '../driver/board/index.js';
import { runPanic, UNREACHABLE } from '../driver/board/index.js';
import { hex } from '../lib/hex.js';
import type { Booted } from '../reader/board-run.js';
import { ms, toJson, userLogLines, withBoard, writeCompressor } from './board-session.js';
import { CliError, UsageError } from '../reader/errors.js';
import { Reporter, type Io, type OutStream } from './io.js';
import { driverLabel } from './driver-option.js';
import { optionDefault, type CliOptions } from './options.js';


/** The panic ran but the record did not land on the card (exit 1, docs/errors.md). */
export class RecordLostError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'failure', data);
  }
}

/**
 * The scenario switches of the command line. A state the chosen board cannot reach is refused
 * before the boot (exit 2), with the same line the board session would give.
 */
export function scenarioFrom(o: CliOptions): PanicScenario {
  if (o.suspended === 'card' && !o.aggressivePm) throw new UsageError(UNREACHABLE.cardSuspend, { option: 'suspended' });
  if (o.retunePending && (o.busMode ?? optionDefault('busMode')) !== 'hs200') throw new UsageError(UNREACHABLE.retune, { option: 'retune-pending' });
  const sc: PanicScenario = {};
  if (o.inflight) sc.inflight = true;
  if (o.lockHeld) sc.lockHeld = o.lockHeld;
  if (o.suspended) sc.suspended = o.suspended;
  if (o.partition) sc.partition = o.partition;
  if (o.cqe) sc.cqe = true;
  if (o.fault?.length) sc.fault = o.fault[0]!;
  if (o.retunePending) sc.retunePending = true;
  if (o.pmSuspendWindow) sc.pmSuspendWindow = true;
  if (o.resetMask) sc.resetMask = o.resetMask;
  if (o.lockReinit) sc.lockReinit = o.lockReinit === 'on';
  if (o.withoutPanicOps) sc.noPanicOps = true;
  return sc;
}

/** What `panic --json` prints. */
export interface PanicCommandReport {
  image: string;
  blkdev: string;
  /** the mmcpstore version that ran (v3, v4, v5, proposed) */
  driver: MmcpstoreVersion;
  params: string;
  /** pstore.compress the kernel wrote with (6.6+: deflate whatever was named) */
  compress: string;
  scenario: PanicScenario;
  beforeMount: boolean;
  /** records pstorefs showed at the mount, before the panic */
  recovered: string[];
  panic: Omit<PanicReport, 'trace'>;
}

export async function runPanicCommand(o: CliOptions, io: Io): Promise<void> {
  const userLog = await userLogLines(o.log, io);
  const scenario = scenarioFrom(o);
  const message = o.message ?? optionDefault('message');
  const { report, booted } = await withBoard(o, io, { readOnly: false, dumps: true, mount: !o.beforeMount }, (b) => {
    const extra = (o.fault ?? []).slice(1);
    if (extra.length) armWithFirst(b, extra);
    let rep: PanicReport;
    try {
      rep = runPanic(b.session, { message, userLog, scenario });
    } catch (e) {
      if (e instanceof Error && e.name === 'FaultSpecError') throw new UsageError(`--fault: ${e.message}`, { option: 'fault' });
      throw e;
    }
    return { report: rep, booted: b };
  });
  const { trace: _trace, ...panicReport } = report;
  const out: PanicCommandReport = {
    image: booted.image,
    blkdev: booted.blkdev,
    driver: o.driver ?? optionDefault('driver'),
    params: booted.params.cmdline,
    compress: writeCompressor(booted.params),
    scenario,
    beforeMount: !!o.beforeMount,
    recovered: booted.pstore.mounted?.map((f) => f.name) ?? [],
    panic: panicReport,
  };
  if (o.json) await io.stdout.write(toJson(out) + '\n');
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  await reporter.info(renderPanic(out, io.stderr, !!o.verbose));
  if (report.outcome !== 'written') {
    throw new RecordLostError(`panic record not written: ${report.reason ?? 'unknown reason'}`, { reason: report.reason, panic: report.panic });
  }
}

/** More than one --fault: the rest are armed together with the first (after the scenario's set-up). */
function armWithFirst(b: Booted, extra: string[]): void {
  const faults = b.session.board.faults;
  const add = faults.add.bind(faults);
  faults.add = (spec) => {
    add(spec);
    for (const f of extra) add(f);
    faults.add = add;
  };
}

const BAR_WIDTH = 40;

/** The human report (stderr): outcome, where, how long, the phases. */
export function renderPanic(r: PanicCommandReport, err: OutStream, verbose: boolean): string {
  const c = err.color;
  const p = r.panic;
  const lines: string[] = [];
  lines.push(`mmcpstore: ${r.image}: mmcpstore (${driverLabel(r.driver)}) on ${r.blkdev}, ${r.params}`);
  if (r.beforeMount) lines.push('mmcpstore: pstorefs not mounted before the panic (H12): no recovery ran');
  else lines.push(`mmcpstore: recovered ${r.recovered.length} record${r.recovered.length === 1 ? '' : 's'}${r.recovered.length ? `: ${r.recovered.join(', ')}` : ''}`);
  for (const n of p.notes) lines.push(`mmcpstore: note: ${n}`);
  if (p.outcome === 'written') {
    const size = p.compressed ? `${r.compress} ${p.compressedSize} bytes of ${p.textSize} bytes of text` : `${p.textSize} bytes of text, uncompressed`;
    const at = p.zoneOffset !== undefined ? ` at partition offset ${hex(p.zoneOffset)}` : '';
    lines.push(`panic: ${c.green('written')}: kmsg zone ${p.zone}${at}, ${p.recordBytes} bytes (${size}), counter ${p.counter}`);
    // on the card, but the driver said otherwise (or never returned): both are true, both are said
    if (p.reason) lines.push(`panic: ${c.yellow(p.reason)}`);
  } else {
    lines.push(`panic: ${c.red('lost')}: ${p.reason ?? 'unknown'}`);
  }
  lines.push(`panic: ${p.writes.length} panic_write call${p.writes.length === 1 ? '' : 's'}, ${ms(p.panicWriteNs)} on the modelled card (virtual time); panic() ended: ${p.panic}`);
  for (const w of p.writes) lines.push(`  write ${w.zone} @${hex(w.offset)} +${w.bytes} -> ${w.ret}`);
  lines.push(...timebar(p.phases, !!err.stream.isTTY, c.cyan));
  if (verbose || p.outcome !== 'written') for (const l of p.driverLog) lines.push(`  ${l}`);
  if (verbose) for (const l of p.hostLog) lines.push(`  ${l}`);
  if (p.atomicSleeps.length) lines.push(`panic: ${c.red('sleeping waits with IRQs off')}: ${p.atomicSleeps.join('; ')}`);
  return lines.join('\n');
}

/** The phases with their virtual times; on a terminal a bar per phase. */
export function timebar(phases: readonly ReportPhase[], tty: boolean, style: (s: string) => string = (s) => s): string[] {
  if (!phases.length) return [];
  const t0 = phases[0]!.t;
  const end = phases[phases.length - 1]!.t;
  const total = Math.max(1, end - t0);
  const out: string[] = [`phases (${ms(end - t0)}):`];
  const nameW = Math.max(...phases.map((p) => p.name.length));
  for (let i = 0; i < phases.length; i++) {
    const p = phases[i]!;
    const dur = (phases[i + 1]?.t ?? p.t) - p.t;
    const stamp = `+${ms(p.t - t0).padStart(12)}`;
    let bar = '';
    if (tty) {
      const from = Math.floor(((p.t - t0) / total) * BAR_WIDTH);
      const len = Math.max(dur > 0 ? 1 : 0, Math.round((dur / total) * BAR_WIDTH));
      bar = ` |${' '.repeat(from)}${style('█'.repeat(Math.min(len, BAR_WIDTH - from)))}${' '.repeat(Math.max(0, BAR_WIDTH - from - len))}|`;
    }
    out.push(`  ${stamp}${bar} ${p.detail ? `${p.name.padEnd(nameW)}  ${p.detail}` : p.name}`);
  }
  return out;
}
