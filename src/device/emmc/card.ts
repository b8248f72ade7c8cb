/**
 * The eMMC card (JEDEC eMMC 5.1 as Linux uses it; spec §3). It sees commands and data bytes from
 * the bus, never a register. Behaviour per command lives in the table in ./commands.ts; this file
 * executes a command and builds its response. State, status and busy: ./card-core.ts; the data
 * phase: ./data-phase.ts; the CMD6 rules: ./ext-csd-switch.ts.
 */

import type { CommandTicket } from '../faults.js';
import { MMC, rcaOfArg } from '../../hw/mmc-protocol.js';
import { hex } from '../../lib/hex.js';
import type { CardContext, CardResponse, Outcome } from './card-context.js';
import { EMMC_COMMANDS } from './commands.js';
import { EmmcCardDataPhase } from './data-phase.js';
import { R1_CLEAR_ON_READ, type CardState } from './status.js';

/** Commands that keep an erase sequence (CMD35/36/38) going, and status polling between them. */
const ERASE_SEQUENCE_OPCODES: readonly number[] = [MMC.ERASE_GROUP_START, MMC.ERASE_GROUP_END, MMC.ERASE, MMC.SEND_STATUS];

export class EmmcCard extends EmmcCardDataPhase implements CardContext {
  private illegal(index: number): CardResponse {
    this.stats.illegal++;
    this.flag('ILLEGAL_COMMAND');
    this.tracer.emit('sdcard_illegal', index, this._state);
    return { kind: 'none' };
  }

  /** Execute one command; the response is what the card drives on CMD (none = the host times out). */
  doCommand(index: number, arg: number, ticket?: CommandTicket): CardResponse {
    arg >>>= 0;
    this.currentTicket = ticket;
    if (!this.powered || this._state === 'ina') return { kind: 'none' };
    this.stats.commands++;
    const entry = EMMC_COMMANDS[index];
    const before = this._state;
    if (!entry) return this.illegal(index);
    if (!this.tracer.silent) this.tracer.emit('sdcard_command', entry.name, index, arg, before); // (no argument array untraced)
    // a CMD23 count survives only until the next command (which must be CMD18/CMD25)
    if (index !== MMC.READ_MULTIPLE_BLOCK && index !== MMC.WRITE_MULTIPLE_BLOCK && index !== MMC.SET_BLOCK_COUNT) this.blockCount = undefined;
    // an erase sequence is reset by any other command (ERASE_RESET), except status polling
    if (this.eraseStart !== undefined && !ERASE_SEQUENCE_OPCODES.includes(index)) {
      this.eraseStart = this.eraseEnd = undefined;
      this.flag('ERASE_RESET');
    }
    if (entry.addressed && rcaOfArg(arg) !== this.rca && index !== MMC.SELECT_CARD) return { kind: 'none' }; // not for us
    if (!entry.states.includes(before)) return this.illegal(index);
    if (entry.cmdq !== undefined && (entry.cmdq === 'queue') !== this.cmdqOn) return this.illegal(index);
    if (!entry.handler) {
      this.tracer.emit('sdcard_unimplemented', index, entry.name);
      return this.illegal(index);
    }
    this.inCommand = true;
    let out: Outcome;
    try {
      out = entry.handler(this, arg, entry);
    } finally {
      this.inCommand = false;
    }
    const resp = this.respond(out, before);
    if (resp.kind !== 'none') {
      this.statusBits = (this.statusBits | this.deferredBits) >>> 0;
      this.deferredBits = 0;
    }
    return resp;
  }

  private respond(out: Outcome, before: CardState): CardResponse {
    let resp: CardResponse;
    switch (out.r) {
      case 'none':
        resp = { kind: 'none' };
        break;
      case 'r1':
      case 'r1b':
        resp = { kind: out.r, status: this.statusWord(before) };
        break;
      case 'r2':
        resp = { kind: 'r2', reg: out.reg };
        break;
      case 'r3':
        resp = { kind: 'r3', ocr: out.ocr };
        break;
      case 'qsr':
        // the Queue Status Register replaces the status: no status bit is sent, none is cleared
        this.tracer.emit('sdcard_response', 'qsr', hex(out.qsr, 8));
        return { kind: 'r1', status: out.qsr };
    }
    if (resp.kind !== 'none') {
      this.statusBits = (this.statusBits & ~R1_CLEAR_ON_READ) >>> 0;
      // formatted only when traced: this runs for every command
      if (!this.tracer.silent) {
        const text = resp.kind === 'r2' ? Buffer.from(resp.reg).toString('hex') : resp.kind === 'r3' ? hex(resp.ocr) : hex(resp.status, 8);
        this.tracer.emit('sdcard_response', resp.kind, text);
      }
    }
    return resp;
  }
}
