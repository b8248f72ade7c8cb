/**
 * SDHCI 3.00 host controller model (spec §1 register map, §2 behaviour). Register offsets, access
 * types and bit fields come from src/hw/sdhci-regs.ts only.
 *
 * - One MMIO entry point per direction (`read(offset, size)`, `write(offset, size, value)`); the
 *   sub-word masking for 8/16/32-bit accesses is done once, in `write`, by splitting the access
 *   into per-register (value, byte mask) pairs. RO writes are guest errors (counted, traced);
 *   unknown offsets are traced as unimplemented; nothing throws.
 * - `updateIrq()` is the only writer of the interrupt line.
 * - Everything that takes time runs from the virtual clock: a command completes after the
 *   latency model's turnaround, data after bus/busy time. A polling driver must advance the clock.
 *   Pending work carries an epoch; a software reset bumps it, so stale events do nothing.
 *
 * The model is one class chain, one job per file, so the per-block paths keep direct field access:
 * ./register-file.ts (MMIO, interrupts, present state, clock, power) → ./command-engine.ts
 * (resets, commands, responses) → ./transfer-engine.ts (PIO/SDMA/ADMA2 transfers, Auto CMD12) →
 * ./burst-engine.ts (bulk runs) → ./data-port.ts (Buffer Data Port) → this file.
 */

import { CQHCI_BASE, CQHCI_MMIO_SIZE, cqhciRegisterAt } from '../../hw/cqhci-regs.js';
import * as R from '../../hw/sdhci-regs.js';
import { CqhciEngine } from './cqhci-engine.js';
import { SdhciDataPort } from './data-port.js';
import type { SdhciOptions } from './register-file.js';

const inCqeWindow = (offset: number): boolean => offset >= CQHCI_BASE && offset < CQHCI_BASE + CQHCI_MMIO_SIZE;

export class SdhciController extends SdhciDataPort {
  /** the command-queue engine, if the board has one (its registers answer at CQHCI_BASE) */
  readonly cqe: CqhciEngine | undefined;

  constructor(o: SdhciOptions) {
    super(o);
    if (o.cqe) {
      this.cqe = new CqhciEngine({
        clock: this.clock,
        bus: this.bus,
        memory: this.memory,
        tracer: this.tracer,
        latency: this.latency,
        busConfig: () => this.busConfig(),
        irqChanged: () => this.updateIrq(),
      });
    }
    this.resetAll();
  }

  // ---------------------------------------------------------------------------------------------
  // the CQE window (32-bit registers after the SDHCI window)
  // ---------------------------------------------------------------------------------------------

  override read(offset: number, size: 1 | 2 | 4): number {
    if (!this.cqe || !inCqeWindow(offset)) return super.read(offset, size);
    const value = this.cqe.read(offset - CQHCI_BASE);
    if (this.traceAccess) this.tracer.emit('sdhci_access_read', cqeName(offset), size * 8, value);
    return value;
  }

  override write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (!this.cqe || !inCqeWindow(offset)) return super.write(offset, size, value);
    if (this.traceAccess) this.tracer.emit('sdhci_access_write', cqeName(offset), size * 8, value);
    this.cqe.write(offset - CQHCI_BASE, value);
  }

  /** SDHCI_INT_CQE: the CQE has an enabled interrupt pending (cleared through CQIS). */
  protected override normalStatusView(): number {
    const cqe = this.cqe?.interruptPending && this.plain(R.NORMAL_INT_STATUS_ENABLE) & R.NIS.CQE.mask ? R.NIS.CQE.mask : 0;
    return (super.normalStatusView() | cqe) >>> 0;
  }

  // ---------------------------------------------------------------------------------------------
  // inspection
  // ---------------------------------------------------------------------------------------------

  /** Named register values (no side effects), for `inspect` and tests. */
  snapshot(): Record<string, number> {
    this.settle();
    const out: Record<string, number> = {};
    for (const r of R.REGISTERS) if (r !== R.BUFFER_DATA_PORT) out[r.name] = this.readReg(r);
    return out;
  }

  /** True while a data transfer is in flight (tests, inspect). */
  get transferActive(): boolean {
    this.settle();
    return this.xfer !== undefined;
  }
}

const cqeName = (offset: number): string => cqhciRegisterAt(offset - CQHCI_BASE)?.name ?? `CQE+${offset - CQHCI_BASE}`;
