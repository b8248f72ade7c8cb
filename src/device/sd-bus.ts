/**
 * The SD/MMC bus between controller and card (QEMU hw/sd/core.c idea): a thin layer where every
 * call is traced and where wire faults (CRC errors, timeouts, a stuck transfer) are injected. The
 * controller holds an `SdBus`; the card never sees a register and the driver never sees the card.
 */

import type { EmmcCard } from './emmc/card.js';
import type { CardResponse } from './emmc/card-context.js';
import type { FaultInjector } from './faults.js';
import type { Tracer } from './trace.js';

export type WireFault = 'crc' | 'timeout' | 'stuck';

export interface BusCommandResult {
  response: CardResponse;
  /** the response arrived with a bad CRC (the card executed the command) */
  crcError: boolean;
}

export interface BusReadResult {
  /** null: the card sent no data */
  data: Uint8Array | null;
  fault: WireFault | undefined;
}

export interface BusWriteResult {
  /** the card took the block (positive CRC status) */
  accepted: boolean;
  fault: WireFault | undefined;
}

export class SdBus {
  constructor(
    private readonly card: EmmcCard,
    private readonly tracer: Tracer,
    private readonly faults: FaultInjector | undefined,
  ) {}

  doCommand(index: number, arg: number, dataCommand: boolean): BusCommandResult {
    if (!this.tracer.silent) this.tracer.emit('sdbus_command', index, arg); // (no argument array per command untraced)
    const ticket = this.faults?.noteCommand(index, dataCommand);
    const fault = this.faults?.commandFault();
    if (fault === 'timeout') {
      this.tracer.emit('fault_inject', 'cmd-timeout', `CMD${index}`);
      return { response: { kind: 'none' }, crcError: false };
    }
    const response = this.card.doCommand(index, arg, ticket);
    if (fault === 'crc') this.tracer.emit('fault_inject', 'cmd-crc', `CMD${index}`);
    return { response, crcError: fault === 'crc' && response.kind !== 'none' };
  }

  /** One block (or `len` bytes) from the card. */
  readData(len: number): BusReadResult {
    const fault = this.faults?.dataBlockFault();
    if (fault === 'timeout' || fault === 'stuck') {
      this.tracer.emit('fault_inject', `data-${fault}`, `read ${len}`);
      return { data: null, fault };
    }
    const data = this.card.readData(len);
    this.tracer.emit('sdbus_read', len, data?.length ?? 0);
    if (fault === 'crc' && data) {
      this.tracer.emit('fault_inject', 'data-crc', `read ${len}`);
      return { data, fault };
    }
    return { data, fault: undefined };
  }

  /** One block to the card. A CRC fault means the card saw a bad block and rejected it. */
  writeData(data: Uint8Array): BusWriteResult {
    const fault = this.faults?.dataBlockFault();
    this.tracer.emit('sdbus_write', data.length);
    if (fault) {
      this.tracer.emit('fault_inject', `data-${fault}`, `write ${data.length}`);
      return { accepted: false, fault };
    }
    return { accepted: this.card.writeData(data), fault: undefined };
  }

  // Bulk data (the controller's burst): a run of whole blocks in one call, only while no wire
  // fault can fire and nothing is traced — then the per-block calls above would say nothing else.

  /** Whole blocks the card can move in one call now (0: block by block). */
  bulkBlocks(dir: 'read' | 'write'): number {
    return this.card.bulkBlocks(dir);
  }

  /** The next `count` blocks of the read straight into `parts`; false if the image read failed. */
  readBlocks(parts: readonly Uint8Array[], count: number): boolean {
    return this.card.readBlocks(parts, count);
  }

  /** Whole blocks (`parts` back to back) to the card, the last at `lastAt`; returns how many it took. */
  writeBlocks(parts: readonly Uint8Array[], lastAt: number): number {
    return this.card.writeBlocks(parts, lastAt);
  }

  dataReady(): boolean {
    const r = this.card.dataReady();
    this.tracer.emit('sdbus_data_ready', r);
    return r;
  }

  /** DAT0 level: false while the card signals busy. */
  dat0High(): boolean {
    return !this.card.isBusy();
  }

  /** Virtual time at which the card's busy ends (Infinity: never). */
  busyEnd(): number {
    return this.card.busyEnd;
  }

  /** Bus power switched off and on again. */
  powerCycle(): void {
    this.card.powerCycle();
  }
}
