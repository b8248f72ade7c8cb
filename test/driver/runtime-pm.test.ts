/**
 * Runtime PM as mainline does it: mmc_runtime_suspend() only with MMC_CAP_AGGRESSIVE_PM (cache
 * flush, CMD7 deselect, CMD5 sleep, mmc_power_off), _mmc_resume() re-initialises the same card;
 * the SDHCI host's runtime suspend gates the SD clock (and the interface clock) and flags a re-tune.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { MMC_SLEEP_AWAKE_SLEEP } from '../../src/hw/mmc-protocol.js';
import { mmcRuntimeResume, mmcRuntimeSuspend } from '../../src/driver/mmc/card-pm.js';
import { MMC_CAP_AGGRESSIVE_PM } from '../../src/driver/mmc/types.js';
import { sdhciPltfmRuntimeResume, sdhciPltfmRuntimeSuspend } from '../../src/driver/sdhci/runtime-pm.js';
import { makeRig, randomBytes } from './helpers.js';

/** CMD indices the controller sent, from the sdhci_send_command trace */
const sent = (recs: readonly { event: string; line: string }[]): number[] =>
  recs.filter((r) => r.event === 'sdhci_send_command').map((r) => Number(/CMD(\d+)/.exec(r.line)![1]));

test('without MMC_CAP_AGGRESSIVE_PM mmc_runtime_suspend() does nothing: the card stays selected and powered', () => {
  const { stack, tracer } = makeRig({ size: 1 << 20, trace: 'sdhci_send_command' });
  const from = tracer!.records.length;
  assert.equal(mmcRuntimeSuspend(stack.host), 0);
  assert.deepEqual(sent(tracer!.records.slice(from)), []);
  assert.equal(stack.card.suspended ?? false, false);
  assert.equal(stack.host.ios.powerMode, 'on');
  assert.equal(mmcRuntimeResume(stack.host), 0);
  assert.deepEqual(sent(tracer!.records.slice(from)), [], 'nothing to resume either');
});

test('with it: CMD7 deselect, CMD5 sleep, power off; resume powers up and re-initialises the same card from CMD0', () => {
  const { stack, tracer, board } = makeRig({ size: 1 << 20, trace: 'sdhci_send_command' });
  const host = stack.host;
  host.caps |= MMC_CAP_AGGRESSIVE_PM;
  const dev = stack.devices[0]!;
  const data = randomBytes(4 * 512, 7);
  dev.writeSectors(8, data);
  let from = tracer!.records.length;
  assert.equal(mmcRuntimeSuspend(host), 0);
  assert.deepEqual(sent(tracer!.records.slice(from)), [7, 5]);
  const cmd5 = tracer!.records.slice(from).find((r) => /CMD05 /.test(r.line))!.line;
  assert.match(cmd5, new RegExp(`ARG\\[0x${((stack.card.rca << 16) | MMC_SLEEP_AWAKE_SLEEP).toString(16).padStart(8, '0')}\\]`, 'i'));
  assert.equal(stack.card.suspended, true);
  assert.equal(host.ios.powerMode, 'off');
  assert.equal(stack.sdhci.readb(R.POWER_CONTROL) & R.PWR.BUS_POWER.mask, 0, 'bus power off');
  assert.equal(board.card.state, 'slp', 'the card went to sleep before its power was cut (state kept until power returns)');
  from = tracer!.records.length;
  assert.equal(mmcRuntimeResume(host), 0);
  const resume = sent(tracer!.records.slice(from));
  assert.deepEqual(resume.slice(0, 2), [0, 1], 'CMD0 then CMD1');
  assert.ok(resume.includes(2) && resume.includes(3) && resume.includes(7), `CID, RCA, select (${resume})`);
  assert.equal(stack.card.suspended, false);
  assert.equal(host.card, stack.card, 'the same struct mmc_card');
  assert.equal(host.ios.timing, 'mmc-hs');
  assert.deepEqual(dev.readSectors(8, 4), data);
});

test('the HS200 host: runtime suspend flags a re-tune, gates SD and interface clocks; resume restores and the next request tunes', () => {
  const { stack, board } = makeRig({ size: 1 << 20, capabilities1: R.CAPABILITIES1_HS200, gatedMmio: 'all-ones' });
  const sdhci = stack.sdhci;
  assert.equal(sdhciPltfmRuntimeSuspend(sdhci, board.hostClock), 0);
  assert.equal(sdhci.runtimeSuspended, true);
  assert.equal(sdhci.ier, 0, 'only the card interrupt would stay enabled');
  assert.equal(stack.host.needRetune, true);
  assert.equal(board.hostClock.enabled, false);
  assert.equal(board.controller.sdClockHz(), 0, 'SD clock stopped');
  assert.equal(sdhci.readl(R.PRESENT_STATE), 0xffffffff, 'gated: MMIO reads all-ones');
  assert.equal(sdhciPltfmRuntimeResume(sdhci, board.hostClock), 0);
  assert.equal(sdhci.runtimeSuspended, false);
  assert.equal(board.controller.sdClockHz(), 200_000_000);
  const before = board.controller.counters.tuningBlocks;
  const dev = stack.devices[0]!;
  assert.equal(dev.readSectors(0, 1).length, 512);
  assert.equal(board.controller.counters.tuningBlocks - before, 1, 're-tuned before the first request');
  assert.equal(stack.host.needRetune, false);
});
