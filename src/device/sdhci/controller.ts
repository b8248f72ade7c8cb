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

import * as R from '../../hw/sdhci-regs.js';
import { SdhciDataPort } from './data-port.js';
import type { SdhciOptions } from './register-file.js';

export class SdhciController extends SdhciDataPort {
  constructor(o: SdhciOptions) {
    super(o);
    this.resetAll();
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
