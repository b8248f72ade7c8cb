/**
 * The board session: an emulated board booted from an image, the kernel around it (System), and
 * once attached, mmcpstore registered with pstore/blk and a pstore core. What the commands call.
 */
import type { BlockBacking } from '../../device/backing.js';
import { createBoard, type Board } from '../../device/board.js';
import type { Tracer } from '../../device/trace.js';
import { bootMmcStack, type MmcStack } from '../mmc/host-board.js';
import { mmcRuntimeResume, mmcRuntimeSuspend } from '../mmc/card-pm.js';
import { MMC_CAP_AGGRESSIVE_PM } from '../mmc/types.js';
import { sdhciPltfmRuntimeResume, sdhciPltfmRuntimeSuspend } from '../sdhci/runtime-pm.js';
import { CAPABILITIES1_HS200 } from '../../hw/sdhci-regs.js';
import { System, type PstoreAttachment, type RuntimePmDevice, type SpinLock as SysSpinLock } from '../system/index.js';
import { MmcpstoreDriver, type BlockView } from '../mmcpstore/register.js';
import type { MmcpstoreContext, MmcpstoreDriverKind } from '../mmcpstore/context.js';
import { errnoName } from '../../lib/errno.js';
import { sdhciInstallPanicOps } from '../sdhci/panic.js';
import { PstoreCore, type PstoreFile, type Timespec } from '../../zone/platform.js';
import { mergeBlkParams, type BlkParams } from '../../zone/params.js';
import { kernelProfile } from '../../zone/kernel-profile.js';
import type { AttachOptions, OpenBoardOptions } from './types.js';
import { QEMU_BOOT_SIZE, QEMU_RPMB_SIZE } from './image-file.js';


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
  closed = false;
  readonly kernelLog: string[] = [];
  readonly sdhciLock: SysSpinLock;
  readonly hostLock: SysSpinLock;
  readonly cardPm: RuntimePmDevice;
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
    const cpus = system.cpus;
    // the MMC model's CPU is CPU0 of the system: its IRQ mask and its locks are the system's
    stack.cpu.externalIrqsOff = () => cpus.cpu.id === 0 && cpus.irqsDisabled();
    this.sdhciLock = cpus.spinLock('sdhci_host->lock');
    this.hostLock = cpus.spinLock('mmc_host->lock');
    stack.sdhci.lock.shadow = this.sdhciLock;
    stack.host.lock.shadow = this.hostLock;
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

  /** Record time: the wall clock at boot plus virtual time. */
  wallNow(): Timespec {
    const ns = BigInt(Math.round(this.board.clock.now));
    return { sec: BigInt(this.options.now ?? 1_700_000_000) + ns / 1_000_000_000n, nsec: ns % 1_000_000_000n };
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

function systemClockOver(board: Board): { now(): bigint; advance(ns: bigint): void } {
  return {
    now: () => BigInt(Math.round(board.clock.now)),
    advance: (ns) => {
      if (ns > 0n) board.clock.advance(Number(ns));
    },
  };
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
      ...(o.busMode === 'hs200' ? { capabilities1: CAPABILITIES1_HS200 } : {}),
      ...(o.gatedMmio ? { gatedMmio: o.gatedMmio } : {}),
    });
    const tracer = typeof o.trace === 'object' ? o.trace : undefined;
    const stack = bootMmcStack({ board, transfer: o.transfer ?? 'adma2', mmcCaps: o.aggressivePm ? MMC_CAP_AGGRESSIVE_PM : 0 });
    const system = new System({ seed: o.seed ?? 1, clock: systemClockOver(board) });
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
  const kind = o.driver ?? 'fixed';
  const params = mergeBlkParams(o.params ?? {}, { blkdev: o.blkdev });
  sdhciInstallPanicOps(session.stack.sdhci, kind === 'fixed' ? { reinitLock: true, resumeRuntimeSuspended: true, drainTimeoutMs: 1000 } : { reinitLock: false, resumeRuntimeSuspended: false, drainTimeoutMs: 100 });
  const driver = new MmcpstoreDriver(
    session.blockView(),
    params,
    { driver: kind, claim: 'v4', sectorOffset: o.sectorOffset ?? 0, sectorCount: o.sectorCount ?? 0 },
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
  if (o.mount !== false) state.mounted = core.readFiles();
  state.attachment = sys.attachPstore(core);
  session.pstore = state;
  return state;
}
