/**
 * Re-tuning as mainline does it (core/host.c, core.c, sdhci.c): only an HS200 host that tuned can
 * re-tune; a CRC error flags it in mmc_request_done(); the next request runs CMD21 first. And
 * ongoing_mrq only for cap_cmd_during_tfr requests (__mmc_start_request).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { MMC } from '../../src/hw/mmc-protocol.js';
import { mmcRequestDone, mmcStartRequest, mmcWaitForCmd, withHost } from '../../src/driver/mmc/core.js';
import { mmcRetuneNeeded } from '../../src/driver/mmc/retune.js';
import { MMC_CAP_CMD_DURING_TFR, MMC_CMD_AC, MMC_RSP_R1, mmcCommand, type MmcRequest } from '../../src/driver/mmc/types.js';
import { sdhciTuningState } from '../../src/driver/sdhci/tuning.js';
import { EILSEQ } from '../../src/lib/errno.js';
import { makeRig, randomBytes } from './helpers.js';

const hs200Rig = (o: Parameters<typeof makeRig>[0] = {}): ReturnType<typeof makeRig> => makeRig({ size: 1 << 20, capabilities1: R.CAPABILITIES1_HS200, ...o });

test('HS stays the default: no HS200, no tuning, re-tuning impossible', () => {
  const { stack, board } = makeRig({ size: 1 << 20 });
  assert.equal(stack.host.ios.timing, 'mmc-hs');
  assert.equal(stack.host.ios.signalVoltage, '3.3');
  assert.equal(stack.host.canRetune ?? false, false);
  assert.equal(board.controller.counters.tuningBlocks, 0);
  mmcRetuneNeeded(stack.host);
  assert.equal(stack.host.needRetune ?? false, false, 'mmc_retune_needed() is a no-op without can_retune');
});

test('an HS200 board selects HS200 at 1.8 V, 200 MHz, tunes with CMD21 (Execute Tuning → Sampling Clock Select) and can re-tune', () => {
  const { stack, board } = hs200Rig({ trace: 'sdhci_send_command' });
  assert.equal(stack.host.ios.timing, 'mmc-hs200');
  assert.equal(stack.host.ios.signalVoltage, '1.8');
  assert.equal(stack.host.ios.clock, 200_000_000);
  assert.equal(stack.host.ios.busWidth, 8);
  assert.equal(stack.host.canRetune, true);
  const hc2 = stack.sdhci.readw(R.HOST_CONTROL2);
  assert.equal(R.get(R.HC2.UHS_MODE, hc2), R.UHS_MODE.SDR104_HS200);
  assert.ok(hc2 & R.HC2.SAMPLING_CLOCK_SELECT.mask);
  assert.equal(hc2 & R.HC2.EXECUTE_TUNING.mask, 0);
  assert.equal(board.controller.counters.tuningBlocks, 1);
  assert.deepEqual(sdhciTuningState(stack.sdhci), { tuningDone: true, tuningErr: 0, loops: 1, tunings: 1 });
  // the normal interrupt set is back after sdhci_end_tuning()
  assert.equal(stack.sdhci.readl(R.NORMAL_INT_STATUS_ENABLE) & 0xffff, stack.sdhci.ier & 0xffff);
  // I/O works at HS200
  const dev = stack.devices[0]!;
  const data = randomBytes(8 * 512, 5);
  dev.writeSectors(32, data);
  assert.deepEqual(dev.readSectors(32, 8), data);
});

test('a CRC error flags a re-tune only on an HS200 host, and the next request tunes first', () => {
  for (const hs200 of [false, true]) {
    const { stack, board } = hs200 ? hs200Rig({ armFaults: 'data-crc@cmd18', retries: false }) : makeRig({ size: 1 << 20, armFaults: 'data-crc@cmd18', retries: false });
    const dev = stack.devices[0]!;
    const host = stack.host;
    // watch need_retune from mmc_request_done() on: the block layer's recovery requests re-tune at once
    const done = host.ops.executeTuning!;
    let flagged = false;
    host.ops = { ...host.ops, executeTuning: (h, op) => ((flagged = true), done(h, op)) };
    const before = board.controller.counters.tuningBlocks;
    assert.throws(() => dev.readSectors(16, 8));
    assert.equal(dev.readSectors(16, 8).length, 8 * 512);
    assert.equal(flagged, hs200, `re-tuned after -EILSEQ (${hs200 ? 'HS200' : 'HS'})`);
    assert.equal(board.controller.counters.tuningBlocks - before, hs200 ? 1 : 0, 'one CMD21 (mmc_retune() before the next request)');
    assert.equal(stack.host.needRetune ?? false, false);
    assert.equal(stack.host.retuneHold ?? 0, 0, 'every hold released');
  }
});

test('mmc_request_done(): -EILSEQ of the tuning command itself does not flag a re-tune', () => {
  const { stack } = hs200Rig();
  const host = stack.host;
  mmcRequestDone(host, { cmd: mmcCommand(MMC.SEND_TUNING_BLOCK_HS200, 0, MMC_RSP_R1, { error: -EILSEQ }), completed: false });
  assert.equal(host.needRetune ?? false, false);
  mmcRequestDone(host, { cmd: mmcCommand(MMC.SEND_STATUS, 0, MMC_RSP_R1, { error: -EILSEQ }), completed: false });
  assert.equal(host.needRetune, true);
});

test('a held re-tune does not run: only the outermost hold re-tunes (retune_now)', () => {
  const { stack, board } = hs200Rig();
  const host = stack.host;
  host.needRetune = true;
  host.retuneHold = 1; // what the fixed panic path does
  const before = board.controller.counters.tuningBlocks;
  withHost(host, () => mmcWaitForCmd(host, mmcCommand(MMC.SEND_STATUS, stack.card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC), 0));
  assert.equal(board.controller.counters.tuningBlocks, before);
  assert.equal(host.needRetune, true);
  assert.equal(host.retuneHold, 1);
});

test('ongoing_mrq: only a cap_cmd_during_tfr request on a host with MMC_CAP_CMD_DURING_TFR', () => {
  for (const [cap, flag, want] of [[false, false, false], [false, true, false], [true, false, false], [true, true, true]] as const) {
    const { stack } = makeRig({ size: 1 << 20 });
    const host = stack.host;
    if (cap) host.caps |= MMC_CAP_CMD_DURING_TFR;
    const mrq: MmcRequest = { cmd: mmcCommand(MMC.SEND_STATUS, stack.card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC), completed: false, capCmdDuringTfr: flag };
    mrq.done = (m) => (m.completed = true);
    withHost(host, () => {
      assert.equal(mmcStartRequest(host, mrq), 0);
      assert.equal(host.ongoingMrq === mrq, want, `cap ${cap}, cap_cmd_during_tfr ${flag}`);
      host.cpu.waitFor(() => mrq.completed);
    });
    assert.equal(host.ongoingMrq, null, 'cleared by mmc_request_done()');
    if (flag && !cap) assert.ok(host.log.some((l) => l.includes('cap_cmd_during_tfr without MMC_CAP_CMD_DURING_TFR')));
  }
});
