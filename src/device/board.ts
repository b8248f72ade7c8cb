/**
 * The emulated board: one SDHCI 3.00 controller with an eMMC 5.1 card on its bus, simulated
 * system memory for DMA, one interrupt line and a virtual clock (docs/device.md).
 *
 * THE MMIO BOUNDARY: code outside src/device (the driver, the zone layer, commands) uses only
 * `mmio`, `irq`, `memory` and `clock`. Nothing above src/device may touch `card` or `backing` or
 * call into `controller` beyond what tests and `inspect` need (snapshots, counters). This is what
 * makes panic-path bugs — in-flight requests, lost interrupts, resets — reproducible.
 */

import type { BlockBacking } from './backing.js';
import { VirtualClock } from './clock.js';
import { EmmcCard } from './emmc/card.js';
import type { EmmcCardOptions } from './emmc/card-core.js';
import { createLayout, type EmmcLayout, type LayoutOptions } from './emmc/image-layout.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { LatencyModel, type LatencyParams } from './latency.js';
import { SimMemory } from './memory.js';
import { SdBus } from './sd-bus.js';
import { SdhciController } from './sdhci/controller.js';
import { IrqLine } from './sdhci/irq-line.js';
import { Tracer, nullTracer } from './trace.js';

/**
 * What a board is assembled from, as QEMU's command line assembles one: the image file behind
 * the card (with the writer lock) and the trace sink. The board factory is the device's only
 * public face, so the layers above reach these through here.
 */
export { FileBacking, ImageLockedError, isBlockDevice } from './backing.js';
export type { BlockBacking } from './backing.js';
export { Tracer } from './trace.js';
export { ImageLayoutError } from './emmc/image-layout.js';

export interface Mmio {
  readb(offset: number): number;
  readw(offset: number): number;
  readl(offset: number): number;
  writeb(offset: number, value: number): void;
  writew(offset: number, value: number): void;
  writel(offset: number, value: number): void;
  /**
   * String accessors (Linux readsl/writesl, ioread32_rep/iowrite32_rep): `count` 32-bit accesses
   * to one register, the words little-endian in `buf` (4 × count bytes). Exactly `count` readl /
   * writel calls in effect: same register side effects, interrupts and trace. `at`: where in
   * `buf` the words start (the kernel passes a pointer into its buffer; an offset needs no view
   * of it per block).
   */
  readsl(offset: number, buf: Uint8Array, count: number, at?: number): void;
  writesl(offset: number, buf: Uint8Array, count: number, at?: number): void;
}

/**
 * What MMIO to the host controller does while its interface clock is gated (a SoC that gates the
 * bus clock of a runtime-suspended host): 'registers' — the model's default, the registers stay
 * reachable (only the SD clock is off); 'all-ones' — reads return all-ones and writes are lost;
 * 'fault' — every access is a bus error (arm64: a synchronous external abort, MmioAbortError).
 */
export type GatedMmio = 'registers' | 'all-ones' | 'fault';

/** A bus error on an MMIO access to a host whose interface clock is gated. */
export class MmioAbortError extends Error {
  constructor(readonly offset: number, readonly write: boolean) {
    super(`Internal error: synchronous external abort: ${write ? 'write to' : 'read of'} host register 0x${offset.toString(16).padStart(2, '0')} with its interface clock gated`);
    this.name = 'MmioAbortError';
  }
}

/** The SoC clock controller's gate for the host's interface (bus) clock: what clk_disable/clk_enable switch. */
export interface HostInterfaceClock {
  readonly enabled: boolean;
  enable(): void;
  disable(): void;
}

/** Read-only view of the interrupt line for the driver. */
export interface IrqView {
  readonly level: boolean;
  onChange(cb: (level: boolean) => void): () => void;
}

export interface BoardOptions {
  /** the image (user area, or the whole QEMU-layout file) */
  backing: BlockBacking;
  /** default { kind: 'user-area' } */
  layout?: LayoutOptions;
  /** a FaultInjector, spec list, or comma-separated spec string ("busy:5ms@cmd6,power-loss:3") */
  faults?: FaultInjector | readonly FaultSpec[] | string;
  /** seed for probabilistic faults (default 1) */
  seed?: number;
  /** a Tracer, or the globs to enable on stderr ("sdhci_*,sdcard_*") */
  trace?: Tracer | string;
  clock?: VirtualClock;
  latency?: Partial<LatencyParams>;
  /** Capabilities 0 override, e.g. CAP0_PROFILES.sdma */
  capabilities0?: number;
  capabilities1?: number;
  addressing?: EmmcCardOptions['addressing'];
  partitionConfig?: number;
  /** the card's volatile cache in bytes (EXT_CSD CACHE_SIZE; default 0 = none, writes durable at once) */
  cacheSize?: EmmcCardOptions['cacheSize'];
  /** the card's command queue depth (EXT_CSD CMDQ_DEPTH; default 32, 0 = no CMDQ_SUPPORT) */
  cmdqDepth?: EmmcCardOptions['cmdqDepth'];
  /** a CQHCI command-queue engine in the controller, registers at CQHCI_BASE (default none) */
  cqe?: boolean;
  /** simulated RAM size in bytes (default 1 TiB address space, sparse) */
  memorySize?: number;
  /** MMIO while the host's interface clock is gated (default 'registers': the gate changes nothing) */
  gatedMmio?: GatedMmio;
}

export interface Board {
  readonly mmio: Mmio;
  readonly irq: IrqView;
  readonly memory: SimMemory;
  readonly clock: VirtualClock;
  /** the host's interface clock gate (the platform driver's clk_disable/clk_enable) */
  readonly hostClock: HostInterfaceClock;
  /** tests and `inspect` only */
  readonly controller: SdhciController;
  /** tests and `inspect` only */
  readonly card: EmmcCard;
  readonly layout: EmmcLayout;
  readonly faults: FaultInjector;
  readonly tracer: Tracer;
  /** flush and close the backing (and the in-memory partitions) */
  close(): void;
}

export function createBoard(o: BoardOptions): Board {
  const clock = o.clock ?? new VirtualClock();
  const tracer = o.trace instanceof Tracer ? o.trace : o.trace ? new Tracer({ enable: o.trace }) : nullTracer();
  tracer.now = () => clock.now;
  const faults = o.faults instanceof FaultInjector ? o.faults : new FaultInjector(o.faults ?? [], o.seed ?? 1);
  faults.onFire ??= (kind, detail) => tracer.emit('fault_inject', kind, detail);
  const latency = new LatencyModel(o.latency);
  const layout = createLayout(o.backing, o.layout ?? { kind: 'user-area' });
  const card = new EmmcCard({
    layout,
    clock,
    latency,
    tracer,
    faults,
    addressing: o.addressing,
    partitionConfig: o.partitionConfig,
    cacheSize: o.cacheSize,
    cmdqDepth: o.cmdqDepth,
  });
  const bus = new SdBus(card, tracer, faults);
  const memory = new SimMemory(o.memorySize);
  const irq = new IrqLine();
  const controller = new SdhciController({
    clock,
    bus,
    memory,
    tracer,
    latency,
    irq,
    capabilities0: o.capabilities0,
    capabilities1: o.capabilities1,
    cqe: o.cqe,
  });
  // a fault armed at run time must see the per-block state of a bulk run in flight
  const armed = faults.onArm;
  faults.onArm = () => {
    controller.settle();
    card.flushWrites();
    armed?.();
  };
  const hostClock = interfaceClock(tracer);
  const gated = o.gatedMmio ?? 'registers';
  /** false: the access does not reach the controller (gated: all-ones reads, lost writes) */
  const reaches = (off: number, write: boolean): boolean => {
    if (gated === 'registers' || hostClock.enabled) return true; // (the constant first: asked on every access)
    tracer.emit('sdhci_guest_error', `${write ? 'write' : 'read'} at 0x${off.toString(16)} with the interface clock gated`);
    if (gated === 'fault') throw new MmioAbortError(off, write);
    return false;
  };
  const ones = (size: number): number => (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1);
  const read = (off: number, size: 1 | 2 | 4): number => (reaches(off, false) ? controller.read(off, size) : ones(size));
  const write = (off: number, size: 1 | 2 | 4, v: number): void => {
    if (reaches(off, true)) controller.write(off, size, v);
  };
  const mmio: Mmio = {
    readb: (off) => read(off, 1),
    readw: (off) => read(off, 2),
    readl: (off) => read(off, 4),
    writeb: (off, v) => write(off, 1, v),
    writew: (off, v) => write(off, 2, v),
    writel: (off, v) => write(off, 4, v),
    readsl: (off, buf, count, at = 0) => (reaches(off, false) ? controller.readRep(off, buf, count, at) : buf.fill(0xff, at, at + 4 * count)),
    writesl: (off, buf, count, at = 0) => {
      if (reaches(off, true)) controller.writeRep(off, buf, count, at);
    },
  };
  const irqView: IrqView = {
    get level() {
      return irq.level;
    },
    onChange: (cb) => irq.onChange(cb),
  };
  return {
    mmio,
    irq: irqView,
    memory,
    clock,
    hostClock,
    controller,
    card,
    layout,
    faults,
    tracer,
    close() {
      controller.settle();
      card.flushWrites();
      o.backing.flush();
      for (const p of layout.partitions.values()) if (p !== o.backing) p.close();
      o.backing.close();
    },
  };
}

function interfaceClock(tracer: Tracer): HostInterfaceClock {
  let enabled = true;
  return {
    get enabled() {
      return enabled;
    },
    enable() {
      if (!enabled) tracer.emit('sdhci_transfer', 'interface clock enabled', 0);
      enabled = true;
    },
    disable() {
      if (enabled) tracer.emit('sdhci_transfer', 'interface clock gated', 0);
      enabled = false;
    },
  };
}
