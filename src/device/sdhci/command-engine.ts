/**
 * The SDHCI command engine (spec §2.1–2.3, §2.8, §2.10): software resets, command issue with its
 * inhibit rules, Auto CMD23, responses into RESPONSE0–3, R1b busy waits and the data timeout.
 */

import type { CardResponse } from '../emmc/card-context.js';
import { MMC } from '../../hw/mmc-protocol.js';
import * as R from '../../hw/sdhci-regs.js';
import { get, isSet, type Field } from '../../hw/sdhci-regs.js';
import { SdhciRegisterFile } from './register-file.js';

const RESPONSE_REGS = [R.RESPONSE0, R.RESPONSE1, R.RESPONSE2, R.RESPONSE3] as const;

export abstract class SdhciCommandEngine extends SdhciRegisterFile {
  // ---------------------------------------------------------------------------------------------
  // software reset (§2.10)
  // ---------------------------------------------------------------------------------------------

  protected softwareReset(mask: number): void {
    if (!mask) return;
    this.tracer.emit('sdhci_reset', mask);
    if (isSet(R.RST.ALL, mask)) {
      this.resetAll();
      return;
    }
    if (isSet(R.RST.CMD, mask)) {
      this.cmdEpoch++;
      this.cmdInhibit = false;
      this.norSts &= ~R.NIS.CMD_COMPLETE.mask;
    }
    if (isSet(R.RST.DATA, mask)) this.resetData();
    this.updateIrq();
  }

  protected resetData(): void {
    this.dataEpoch++;
    this.xfer = undefined;
    this.datInhibit = this.datLineActive = this.readActive = this.writeActive = false;
    this.bufReadEnable = this.bufWriteEnable = false;
    this.setPlain(R.BLOCK_GAP_CONTROL, this.plain(R.BLOCK_GAP_CONTROL) & ~(R.BGC.STOP_AT_GAP.mask | R.BGC.CONTINUE.mask));
    this.norSts &= ~(
      R.NIS.BUFFER_READ_READY.mask |
      R.NIS.BUFFER_WRITE_READY.mask |
      R.NIS.DMA.mask |
      R.NIS.BLOCK_GAP.mask |
      R.NIS.TRANSFER_COMPLETE.mask
    );
  }

  protected resetAll(): void {
    this.cmdEpoch++;
    this.clockEpoch++;
    this.resetData();
    this.regs.fill(0);
    for (const r of R.REGISTERS) this.setPlain(r, this.hwinit.get(r) ?? r.reset ?? 0);
    this.norSts = this.errSts = 0;
    this.cmdInhibit = false;
    this.clockStable = false;
    this.updateIrq();
  }

  // ---------------------------------------------------------------------------------------------
  // commands (§2.1–2.3, §2.8)
  // ---------------------------------------------------------------------------------------------

  protected issueCommand(): void {
    const word = this.plain(R.COMMAND);
    const c = R.decodeCommand(word);
    const arg = this.plain(R.ARGUMENT);
    const tm = this.plain(R.TRANSFER_MODE);
    const isStop = c.index === MMC.STOP_TRANSMISSION || c.type === R.COMMAND_TYPE.ABORT;
    const usesDat = c.dataPresent || c.responseType === R.RESPONSE_TYPE.R48_BUSY;
    if (this.cmdInhibit) {
      this.guestError(`CMD${c.index} issued while Command Inhibit (CMD)`);
      return;
    }
    if (usesDat && this.datInhibit && !isStop) {
      this.guestError(`CMD${c.index} issued while Command Inhibit (DAT)`);
      return;
    }
    this.counters.commands++;
    this.lastCmd = c.index;
    this.tracer.emit('sdhci_send_command', c.index, arg, word);
    if (isStop && this.xfer) this.abortTransfer();
    this.cmdInhibit = true;
    if (usesDat) this.datInhibit = true;
    if (c.dataPresent) {
      this.datLineActive = true;
      if (isSet(R.TM.READ, tm)) this.readActive = true;
      else this.writeActive = true;
    }
    const cmdEpoch = ++this.cmdEpoch;
    const hz = this.sdClockHz();
    if (!hz || !this.cardPowered()) {
      // no clock or no power: nothing reaches the card (QEMU drops it silently; we time out)
      this.clock.after(this.latency.commandTimeoutNs(hz || 400_000), () => {
        if (cmdEpoch !== this.cmdEpoch) return;
        this.commandFailed(R.EIS.CMD_TIMEOUT, usesDat);
      }, 'sdhci cmd timeout');
      return;
    }
    const autoCmd23 = c.dataPresent && get(R.TM.AUTO_CMD, tm) === R.AUTO_CMD.CMD23 && isSet(R.TM.MULTI_BLOCK, tm);
    if (autoCmd23) {
      this.clock.after(this.latency.commandNs(48, hz), () => {
        if (cmdEpoch !== this.cmdEpoch) return;
        const res = this.bus.doCommand(MMC.SET_BLOCK_COUNT, this.plain(R.SDMA_ADDRESS), false);
        if (res.response.kind === 'none' || res.crcError) {
          this.autoCmdFailed(res.response.kind === 'none' ? R.ACES.TIMEOUT : R.ACES.CRC);
          this.cmdInhibit = false;
          this.endDataLines();
          return;
        }
        this.setPlain(R.RESPONSE3, responseWord(res.response));
        this.sendMain(c, arg, usesDat, cmdEpoch);
      }, 'sdhci auto CMD23');
      return;
    }
    this.sendMain(c, arg, usesDat, cmdEpoch);
  }

  protected sendMain(c: R.CommandWord, arg: number, usesDat: boolean, cmdEpoch: number): void {
    const hz = this.sdClockHz() || this.latency.p.defaultBus.clockHz;
    const respBits = c.responseType === R.RESPONSE_TYPE.NONE ? 0 : c.responseType === R.RESPONSE_TYPE.R136 ? 136 : 48;
    // the card has the command after its 48 bits
    this.clock.after(this.latency.commandNs(0, hz), () => {
      if (cmdEpoch !== this.cmdEpoch) return;
      const res = this.bus.doCommand(c.index, arg, c.dataPresent);
      const noResponse = respBits > 0 && res.response.kind === 'none';
      const endAt = noResponse ? this.latency.commandTimeoutNs(hz) : this.latency.commandNs(respBits, hz);
      const remaining = Math.max(0, endAt - this.latency.commandNs(0, hz));
      this.clock.after(remaining, () => {
        if (cmdEpoch !== this.cmdEpoch) return;
        if (noResponse) return this.commandFailed(R.EIS.CMD_TIMEOUT, usesDat);
        if (res.crcError && c.crcCheck) return this.commandFailed(R.EIS.CMD_CRC, usesDat);
        this.storeResponse(res.response, c.responseType);
        this.cmdInhibit = false;
        this.raiseNormal(R.NIS.CMD_COMPLETE);
        if (c.dataPresent) this.startData(c.index);
        else if (c.responseType === R.RESPONSE_TYPE.R48_BUSY) this.waitBusyThenComplete(c.index === MMC.STOP_TRANSMISSION);
      }, 'sdhci cmd complete');
    }, 'sdhci cmd to card');
  }

  protected commandFailed(err: Field, usesDat: boolean): void {
    this.cmdInhibit = false;
    // no data phase after a failed command (QEMU's 2021 fix); DAT lines are free again
    if (usesDat && !this.xfer) this.endDataLines();
    this.raiseError(err);
  }

  protected autoCmdFailed(bit: Field): void {
    this.setPlain(R.AUTO_CMD_ERROR_STATUS, this.plain(R.AUTO_CMD_ERROR_STATUS) | bit.mask);
    this.raiseError(R.EIS.AUTO_CMD);
  }

  protected storeResponse(resp: CardResponse, responseType: number): void {
    if (resp.kind !== 'r2' && responseType !== R.RESPONSE_TYPE.R136) {
      // 48-bit responses update RESPONSE0 only; RESPONSE3 keeps an Auto CMD12/23 response
      const w = responseType === R.RESPONSE_TYPE.NONE ? 0 : responseWord(resp);
      this.setPlain(R.RESPONSE0, w);
      if (!this.tracer.silent) this.tracer.emit('sdhci_response', this.lastCmd, [w]); // (no array per command untraced)
      return;
    }
    let words = [0, 0, 0, 0];
    if (resp.kind === 'r2') {
      // CID/CSD bits 127:8 (CRC byte dropped): RESPONSE0 = bits 39:8 ... RESPONSE3 bits 23:0 = bits 127:104 (§2.2)
      const b = resp.reg;
      const w = (i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
      words = [w(11), w(7), w(3), ((b[0]! << 16) | (b[1]! << 8) | b[2]!) >>> 0];
    } else if (resp.kind !== 'none') {
      words[0] = responseWord(resp);
    }
    if (responseType === R.RESPONSE_TYPE.NONE) words = [0, 0, 0, 0];
    RESPONSE_REGS.forEach((r, i) => this.setPlain(r, words[i]!));
    this.tracer.emit('sdhci_response', this.lastCmd, words);
  }

  /** R1b without data (and CMD12 after a write): Transfer Complete when DAT0 goes high, or Data Timeout. */
  protected waitBusyThenComplete(stop: boolean): void {
    const epoch = this.dataEpoch;
    this.whenNotBusy(epoch, () => {
      if (stop) this.xfer = undefined;
      this.endDataLines();
      this.raiseNormal(R.NIS.TRANSFER_COMPLETE);
    });
  }

  /** Run `then` when the card releases DAT0; raise Data Timeout if that takes longer than the timeout. */
  protected whenNotBusy(epoch: number, then: () => void): void {
    const deadline = this.clock.now + this.dataTimeoutNs();
    const check = (): void => {
      if (epoch !== this.dataEpoch) return;
      if (this.bus.dat0High()) return then();
      const end = this.bus.busyEnd();
      if (end > deadline) {
        this.clock.schedule(deadline, () => {
          if (epoch !== this.dataEpoch) return;
          if (this.bus.dat0High()) return then();
          this.dataFailed(R.EIS.DATA_TIMEOUT);
        }, 'sdhci data timeout');
        return;
      }
      this.clock.schedule(end, check, 'sdhci busy poll');
    };
    check();
  }

  protected endDataLines(): void {
    this.datInhibit = this.datLineActive = this.readActive = this.writeActive = false;
    this.bufReadEnable = this.bufWriteEnable = false;
  }

  /** A stop command while a transfer runs (./transfer-engine.ts). */
  protected abstract abortTransfer(): void;
  /** The command's data phase begins (./transfer-engine.ts). */
  protected abstract startData(cmdIndex: number): void;
  protected abstract dataFailed(err: Field): void;
}

/** The 32-bit word a 48-bit response leaves in RESPONSE0 (or RESPONSE3 for Auto CMD12/23). */
export function responseWord(r: CardResponse): number {
  switch (r.kind) {
    case 'r1':
    case 'r1b':
      return r.status;
    case 'r3':
      return r.ocr;
    default:
      return 0;
  }
}
