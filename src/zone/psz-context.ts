/**
 * struct psz_context (fs/pstore/zone.c): the zones of one registration, the
 * read and write positions, the dump counters and the flags the writing,
 * recovery, reading and erasing code (zone-*.ts) share; register_pstore_zone()
 * and psz_alloc_zones() build it. ZoneContext (zone.ts) is its public face.
 */
import { ARCH_ABIS, type Arch, type ArchAbi, DEFAULT_ABI, zoneSignature } from './codec.js';
import type { PstoreZoneInfo } from './device-info.js';
import { computeLayout, type ZoneDesc, type ZoneLayout } from './layout.js';
import { DEFAULT_KERNEL, type KernelProfile } from './kernel-profile.js';
import { PstoreZone } from './psz-zone.js';
import { PstoreType, kmsgDumpReasonStr } from './types.js';

/** The kernel log line a decision produced, with its printk level. */
export interface ZoneLogLine {
  level: 'debug' | 'info' | 'warn' | 'err';
  text: string;
}

/** What recovery concluded about one zone, in zone.c's words. */
export type ZoneStatus =
  | 'ok' // "found nice zone"
  | 'no-valid-data' // signature mismatch: never written, or another layout
  | 'overtop' // datalen/start past the buffer
  | 'invalid' // kmsg magic mismatch
  | 'erased' // datalen == 0
  | 'broken' // backend said -ENOMSG
  | 'read-failed'
  | 'not-read'; // recovery stopped before this zone

export interface ZoneVerdict {
  zone: ZoneDesc;
  status: ZoneStatus;
  /** The header recovery read, where it read one: did it carry the zone's signature? */
  signature?: boolean;
  datalen?: number;
  start?: number;
  message: string;
}

/** struct pstore_record, the fields pstore/zone reads and writes. */
export interface PstoreRecord {
  type: PstoreType;
  id: number;
  /** Wall-clock time; for dmesg the dump time from the zone header. */
  time: { sec: bigint; nsec: bigint };
  count: number;
  reason: number;
  part: number;
  compressed: boolean;
  buf: Uint8Array;
  /** CPU that produced an ftrace record (smp_processor_id()). */
  cpu?: number;
  /**
   * Set by a read given a scratch buffer: `buf` is a view of memory the zone layer reuses or
   * keeps (the scratch, a ring zone's oldbuf), valid until the next read.
   */
  borrowed?: boolean;
}

export interface ZoneContextOptions {
  /** nr_cpu_ids of the writing kernel. */
  nrCpus?: number;
  profile?: KernelProfile;
  /** Where pr_* lines go; they are also kept in `log`. */
  onLog?: (line: ZoneLogLine) => void;
  /**
   * CONFIG_PSTORE_FTRACE of the reading kernel (default on). Without it
   * pstore_ftrace_combine_log() is a stub and no ftrace file appears, as on
   * Debian's kernels, which allocate the zones but never show them.
   */
  configPstoreFtrace?: boolean;
  /**
   * Read a kmsg zone's data when its record is read instead of at recovery
   * (headers are still read and checked there). The image readers stream
   * records, so memory then grows with the largest record, not with the
   * region. The one difference from the kernel: a read error on a zone's data
   * ends the listing at that record instead of failing the whole recovery.
   */
  deferKmsgData?: boolean;
  /**
   * The ABI of the kernel that wrote (or writes) the region: struct
   * psz_kmsg_header and pstore_ftrace_record differ on 32-bit kernels.
   * Unset: detected from the headers recovery reads (zone-arch.ts), else 64-bit.
   */
  arch?: Arch;
}

export class ZoneRegisterError extends Error {}

/**
 * The state every part of pstore/zone works on. Its members are the zone
 * layer's own: outside it, use ZoneContext's methods.
 */
export class PszContext {
  readonly layout: ZoneLayout;
  readonly info: PstoreZoneInfo;
  readonly profile: KernelProfile;
  readonly log: ZoneLogLine[] = [];
  readonly verdicts = new Map<ZoneDesc, ZoneVerdict>();

  readonly kpszs: PstoreZone[];
  readonly ppsz: PstoreZone | undefined;
  readonly cpsz: PstoreZone | undefined;
  readonly fpszs: PstoreZone[];
  kmsgReadCnt = 0;
  kmsgWriteCnt = 0;
  /** The newest kmsg header time (tv_sec) recovery saw: the zone it is in decided kmsgWriteCnt. */
  kmsgNewestSec = 0n;
  pmsgReadCnt = 0;
  consoleReadCnt = 0;
  ftraceReadCnt = 0;
  oopsCounter = 0;
  panicCounter = 0;
  recovered = false;
  onPanic = false;
  /** Index of the kmsg zone the last dump went to. */
  lastKmsgZone: number | undefined;
  /** The delayed psz_cleaner work is queued. */
  cleanerPending = false;
  readonly onLog: ((line: ZoneLogLine) => void) | undefined;
  readonly configPstoreFtrace: boolean;
  readonly deferKmsgData: boolean;
  /** The struct layouts in use: the given arch, or what recovery detected (64-bit until then). */
  abi: ArchAbi;
  /** --arch was given: recovery does not look for another. */
  readonly archGiven: boolean;
  /** How the arch was decided, once recovery has seen the headers (for inspect). */
  archEvidence: string;

  /** register_pstore_zone(): validates and lays out, or throws the kernel's verdict. */
  constructor(info: PstoreZoneInfo, options: ZoneContextOptions = {}) {
    this.info = info;
    this.profile = options.profile ?? DEFAULT_KERNEL;
    this.onLog = options.onLog;
    this.configPstoreFtrace = options.configPstoreFtrace ?? true;
    this.deferKmsgData = options.deferKmsgData ?? false;
    this.archGiven = options.arch !== undefined;
    this.abi = options.arch ? ARCH_ABIS[options.arch] : DEFAULT_ABI;
    this.archEvidence = options.arch ? 'given' : 'default (64-bit): nothing on disk says otherwise';
    if (!info.name) throw new ZoneRegisterError('backend name must not be empty');
    if (typeof info.read !== 'function' || typeof info.write !== 'function') {
      throw new ZoneRegisterError('no valid general read/write interface');
    }
    this.layout = computeLayout(
      {
        totalSize: info.totalSize,
        kmsgSize: info.kmsgSize,
        pmsgSize: info.pmsgSize,
        consoleSize: info.consoleSize,
        ftraceSize: info.ftraceSize,
        nrCpus: options.nrCpus ?? 1,
      },
      this.profile,
    );
    for (const note of this.layout.notes) this.pr('warn', note);
    this.ppsz = this.layout.pmsg && new PstoreZone(this.layout.pmsg);
    this.cpsz = this.layout.console && new PstoreZone(this.layout.console);
    this.fpszs = this.layout.ftrace.map((z) => new PstoreZone(z));
    this.kpszs = this.layout.kmsg.map((z) => new PstoreZone(z));
    this.pr('info', this.registeredLine());
  }

  /** pstore.bufsize: the largest dmesg payload a kmsg zone takes. */
  get bufsize(): number {
    const first = this.kpszs[0];
    return first ? first.bufferSize - this.abi.kmsgHeader.size : 0;
  }

  get kmsgMaxCnt(): number {
    return this.kpszs.length;
  }

  private registeredLine(): string {
    let line = `registered ${this.info.name} as backend for`;
    if (this.info.kmsgSize) line += ` kmsg(${kmsgDumpReasonStr(this.info.maxReason)}${this.info.panicWrite ? ',panic_write' : ''})`;
    if (this.info.pmsgSize) line += ' pmsg';
    if (this.info.consoleSize) line += ' console';
    if (this.info.ftraceSize) line += ' ftrace';
    return line;
  }

  pr(level: ZoneLogLine['level'], text: string): void {
    const line = { level, text: `pstore_zone: ${text}` };
    this.log.push(line);
    this.onLog?.(line);
  }

  verdict(zone: PstoreZone, status: ZoneStatus, message: string, hdr?: { sig: number; datalen: number; start: number }): void {
    const v: ZoneVerdict = { zone: zone.desc, status, message };
    if (hdr) {
      v.signature = hdr.sig === zoneSignature(zone.desc.type);
      v.datalen = hdr.datalen;
      v.start = hdr.start;
    }
    this.verdicts.set(zone.desc, v);
  }
}
