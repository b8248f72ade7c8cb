/**
 * The board session: an emulated board booted from an image, the kernel around it (System), and
 * once attached, mmcpstore registered with pstore/blk and a pstore core. What the commands call.
 */
import type { BlockBacking } from '../../device/backing.js';
import { createBoard, type Board } from '../../device/board.js';
import type { Tracer } from '../../device/trace.js';
import { bootMmcStack, type MmcStack } from '../mmc/host-board.js';
import { Cpu } from '../mmc/cpu.js';
import { mmcRuntimeResume, mmcRuntimeSuspend } from '../mmc/card-pm.js';
import { MMC_CAP_AGGRESSIVE_PM } from '../mmc/types.js';
import { sdhciPltfmRuntimeResume, sdhciPltfmRuntimeSuspend } from '../sdhci/runtime-pm.js';
import { CAPABILITIES1_HS200 } from '../../hw/sdhci-regs.js';
import { System, type PstoreAttachment, type RuntimePmDevice, type SpinLock } from '../system/index.js';
import { MmcpstoreDriver, type BlockView } from '../mmcpstore/register.js';
import type { MmcpstoreContext, MmcpstoreDriverKind } from '../mmcpstore/context.js';
import { VERSION_TRAITS } from '../mmcpstore/versions.js';
import { errnoName } from '../../lib/errno.js';
import { sdhciInstallPanicOps } from '../sdhci/panic.js';
import { SDHCI_QUIRK2_HOST_NO_CMD23 } from '../sdhci/sdhci.js';
import { PstoreCore, type PstoreFile, type Timespec } from '../../zone/platform.js';
import { mergeBlkParams, type BlkParams } from '../../zone/params.js';
import { kernelProfile } from '../../zone/kernel-profile.js';
import type { AttachOptions, OpenBoardOptions } from './types.js';
import { QEMU_BOOT_SIZE, QEMU_RPMB_SIZE } from './image-file.js';

const NSEC_PER_SEC = 1_000_000_000n;
/** The wall clock of a session opened without one (library use, tests): 2023-11-14. */
const DEFAULT_WALL_CLOCK_SEC = 1_700_000_000;

export class MmcpstoreAttachError extends Error {
  constructor(
    readonly errno: number,
    readonly kernelLines: string[],
  ) {
    super(`mmcpstore registration failed (${errnoName(errno)}): ${kernelLines.filter((l) => l.includes('mmcpstore:')).slice(-1)[0] ?? ''}`);
    this.name = 'MmcpstoreAttachError';
  }
}

export interface PstoreState {
  driver: MmcpstoreDriver;
  ctx: MmcpstoreContext;
  core: PstoreCore;
  attachment: PstoreAttachment;
  params: BlkParams;
  kind: MmcpstoreDriverKind;
  /** files pstorefs showed at mount (undefined when not mounted) */
  mounted?: PstoreFile[];
}

export class BoardSession {
  pstore: PstoreState | null = null;
  panicked = false;
  /** the reboot notifier ran (shutdownBoard) */
  shutDown = false;
  closed = false;
  readonly kernelLog: string[] = [];
  /** sdhci_host->lock (the same object as stack.sdhci.lock) */
  readonly sdhciLock: SpinLock;
  /** mmc_host->lock (the same object as stack.host.lock) */
  readonly hostLock: SpinLock;
  readonly cardPm: RuntimePmDevice;
  /** the command's wall clock (epoch seconds), once raised by keepRecordTimesAfter */
  private wallBase: bigint | undefined;
  /** the host controller's runtime PM (sdhci_runtime_suspend_host + the platform's clock gates) */
  readonly hostPm: RuntimePmDevice;

  constructor(
    readonly board: Board,
    readonly stack: MmcStack,
    readonly system: System,
    readonly backing: BlockBacking,
    readonly options: OpenBoardOptions,
    readonly tracer: Tracer | undefined,
  ) {
    if (stack.cpu.cpus !== system.cpus) throw new Error('BoardSession: the MMC stack must run on the system\'s CPUs');
    // the host locks are the system's spinlocks themselves (one execution model, no copies)
    this.sdhciLock = stack.sdhci.lock;
    this.hostLock = stack.host.lock;
    const card = stack.card;
    const host = stack.host;
    // the card's runtime PM: the eMMC bus ops' mmc_runtime_suspend/resume (no-ops without MMC_CAP_AGGRESSIVE_PM)
    this.cardPm = system.runtimePm.device(`${card.name}`, {
      autosuspendDelayMs: 3000,
      suspend: () => mmcRuntimeSuspend(host),
      resume: () => mmcRuntimeResume(host),
    });
    // the host's: sdhci_runtime_suspend_host, SD clock off, interface clock gated (sdhci-pltfm glue)
    this.hostPm = system.runtimePm.device(stack.sdhci.name, {
      autosuspendDelayMs: 50,
      suspend: () => sdhciPltfmRuntimeSuspend(stack.sdhci, board.hostClock),
      resume: () => sdhciPltfmRuntimeResume(stack.sdhci, board.hostClock),
    });
  }

  /**
   * The virtual instant `options.now` stands for: the start of the action the command runs (the
   * panic, the oops, the pmsg write) or the mount that reads the records. The board boots
   * minutes of virtual uptime before it (the boot log), and a record must not be stamped that far
   * past the wall clock the command took.
   */
  private presentNs: bigint | null = null;

  /** Makes the current virtual instant the command's wall clock (`options.now`). */
  markPresent(): void {
    this.presentNs = this.virtualNs();
  }

  /** Fixes the present at the current virtual instant unless a wall-clock read already did. */
  markPresentIfUnset(): void {
    if (this.presentNs === null) this.markPresent();
  }

  /** ktime_get_real(): the command's wall clock at the present instant, plus virtual time since. */
  wallNow(): Timespec {
    const ns = this.virtualNs();
    if (this.presentNs === null) this.presentNs = ns;
    const wall = this.wallBaseSec() * NSEC_PER_SEC + ns - this.presentNs;
    return { sec: wall / NSEC_PER_SEC, nsec: wall % NSEC_PER_SEC };
  }

  private virtualNs(): bigint {
    return BigInt(Math.round(this.board.clock.now));
  }

  private wallBaseSec(): bigint {
    return this.wallBase ?? BigInt(this.options.now ?? DEFAULT_WALL_CLOCK_SEC);
  }

  /**
   * Record times of this boot from now on come after `sec` (epoch seconds): pstore/zone takes the
   * kmsg zone with the newest tv_sec (the later zone on a tie) as the last one written and writes
   * the next dump after it, so a record stamped no later than one already on the card would be
   * the next one overwritten. A real reboot takes seconds; the emulated one none, and a fixed
   * SOURCE_DATE_EPOCH none at all: the wall clock is moved on to one second after `sec`.
   */
  keepRecordTimesAfter(sec: bigint): void {
    const now = this.wallNow().sec;
    if (now > sec) return;
    this.wallBase = this.wallBaseSec() + (sec + 1n - now);
  }

  /** Kernel log text (syslog format) as it is now. */
  syslog(): string {
    return this.system.ring.syslogText();
  }

  blockView(): BlockView {
    const stack = this.stack;
    return {
      userDisk: (card) => (card === stack.card ? stack.disks[0] : undefined),
      getCardByName: (name) => stack.getCardByName(name),
      nodes: () => {
        const out: ReturnType<BlockView['nodes']> = [];
        for (const d of stack.disks) {
          const userArea = d === stack.disks[0];
          out.push({ path: d.path, disk: d, partno: 0, startSect: 0, sectors: d.sectors, userArea });
          for (const p of d.partitions) out.push({ path: p.path, disk: d, partno: p.partno, startSect: p.startSector, sectors: p.sectors, userArea });
        }
        return out;
      },
    };
  }

  requirePstore(): PstoreState {
    if (!this.pstore) throw new Error('pstore is not attached (call attachPstore first)');
    return this.pstore;
  }
}

/** Boot the emulated board from an image file. */
export function openBoard(o: OpenBoardOptions): BoardSession {
  if (typeof o.image === 'string' && !o.openImage) throw new Error('openBoard: a path needs openImage (e.g. FileBacking.open) from the caller');
  const backing = typeof o.image === 'string' ? o.openImage!(o.image, o.readOnly ?? false) : o.image;
  try {
    const board = createBoard({
      backing,
      layout: o.layout === 'qemu' ? { kind: 'qemu', bootSize: QEMU_BOOT_SIZE, rpmbSize: QEMU_RPMB_SIZE } : { kind: 'user-area' },
      faults: o.faults,
      seed: o.seed ?? 1,
      trace: o.trace,
      cacheSize: o.cacheSize,
      cmdqDepth: o.cmdqDepth,
      cqe: o.cqe,
      ...(o.busMode === 'hs200' ? { capabilities1: CAPABILITIES1_HS200 } : {}),
      ...(o.gatedMmio ? { gatedMmio: o.gatedMmio } : {}),
    });
    const tracer = typeof o.trace === 'object' ? o.trace : undefined;
    // the kernel first (no time passes), so the MMC stack boots on its CPUs and clock
    const system = new System({ seed: o.seed ?? 1, clock: board.clock });
    const cpu = new Cpu({ clock: board.clock, irq: board.irq, cpus: system.cpus });
    const stack = bootMmcStack({ board, transfer: o.transfer ?? 'adma2', cpu, cqe: o.cqe, quirks2: o.hostNoCmd23 ? SDHCI_QUIRK2_HOST_NO_CMD23 : 0, mmcCaps: o.aggressivePm ? MMC_CAP_AGGRESSIVE_PM : 0 });
    system.loadBootLog(o.bootLogLines ?? 120);
    return new BoardSession(board, stack, system, backing, o, tracer);
  } catch (e) {
    if (typeof o.image === 'string') backing.close();
    throw e;
  }
}

/** Register mmcpstore for `blkdev`, mount pstorefs (recovery) and hook pstore into the kernel. */
export function attachPstore(session: BoardSession, o: AttachOptions): PstoreState {
  if (session.pstore) throw new Error('pstore already attached');
  const sys = session.system;
  const kind = o.driver ?? 'proposed';
  const params = mergeBlkParams(o.params ?? {}, { blkdev: o.blkdev });
  const traits = VERSION_TRAITS[kind];
  sdhciInstallPanicOps(session.stack.sdhci, { reinitLock: traits.reinitSdhciLock, resumeRuntimeSuspended: traits.resumeRuntimeSuspended, drainTimeoutMs: traits.drainTimeoutMs });
  const driver = new MmcpstoreDriver(
    session.blockView(),
    params,
    { driver: kind, sectorOffset: o.sectorOffset ?? 0, sectorCount: o.sectorCount ?? 0 },
    {
      cpus: sys.cpus,
      printk: (level, text) => {
        sys.printk(level, text);
        session.kernelLog.push(text);
      },
      cardPm: session.cardPm,
      blk: session.stack.blk,
    },
    {
      nrCpus: o.nrCpus ?? sys.cpus.nrCpus,
      profile: kernelProfile(o.kernel),
      onLog: (l) => session.kernelLog.push(l.text),
      ...(o.arch ? { arch: o.arch } : {}),
    },
  );
  const ret = o.builtIn === false ? driver.moduleInit() : driver.cardAdd(session.stack.card, session.stack.disks[0]!);
  const ctx = driver.ctx;
  if (ret || !ctx || !ctx.registration) throw new MmcpstoreAttachError(ret || -19, [...session.kernelLog]);
  const core = new PstoreCore(ctx.registration.zone, {
    compress: o.related?.compress ?? 'deflate',
    ...(o.related?.decompress ? { decompress: o.related.decompress } : {}),
    kmsgBytes: o.related?.kmsgBytes,
    now: () => session.wallNow(),
  });
  const state: PstoreState = { driver, ctx, core, attachment: undefined as unknown as PstoreAttachment, params, kind };
  if (o.mount !== false) {
    session.markPresent();
    state.mounted = core.readFiles();
    session.keepRecordTimesAfter(ctx.registration.zone.kmsgNewestSec);
  }
  // pstore's console replay is the first to read the wall clock: without it the present is still now
  if (o.console === false) session.markPresentIfUnset();
  state.attachment = sys.attachPstore(core, o.console === undefined ? {} : { console: o.console });
  session.pstore = state;
  return state;
}
