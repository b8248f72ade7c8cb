/**
 * Public surface of the device model for the rest of mmcpstore. The driver uses `createBoard` and
 * the register map; the CLI opens backings and parses fault/trace options. See docs/device.md.
 */
export { createBoard, type Board, type BoardOptions, type Mmio, type IrqView } from './board.js';
export {
  FileBacking,
  MemoryBacking,
  RegionBacking,
  ImageLockedError,
  ReadOnlyBackingError,
  acquireImageLock,
  lockPathFor,
  type BlockBacking,
  type FileBackingOptions,
} from './backing.js';
export { VirtualClock, NS_PER_MS, NS_PER_S, NS_PER_US, type TaskHandle } from './clock.js';
export { LatencyModel, DEFAULT_LATENCY, type LatencyParams } from './latency.js';
export { SimMemory, MemoryFault } from './memory.js';
export { FaultInjector, parseFault, parseFaults, FaultSpecError, type FaultSpec } from './faults.js';
export { Tracer, TRACE, TRACE_EVENTS, eventsMatching, type TraceEvent } from './trace.js';
export { createLayout, qemuLayout, userAreaLayout, ImageLayoutError, PARTITION_ACCESS, type EmmcLayout, type LayoutOptions } from './emmc/image-layout.js';
export * as regs from '../hw/sdhci-regs.js';
