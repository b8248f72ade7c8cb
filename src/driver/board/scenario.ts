/**
 * Scenario setup (docs/scenarios.md): puts the board in the state a hazard of spec §4 describes,
 * just before panic() — using only what the kernel would have done (requests, claims, locks held
 * by another CPU, runtime PM, PM notifier, device faults).
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import { mmcClaimHost, mmcReleaseHost, mmcSetDataTimeout, mmcStartRequest, withHost } from '../mmc/core.js';
import { EXT_CSD_PART_CONFIG_ACC_RPMB } from '../mmc/mmc-ops.js';
import { MMC, MMC_CMD_ADTC, MMC_CMD_AC, MMC_DATA_WRITE, MMC_RSP_R1, mmcCommand, mmcData, type MmcRequest } from '../mmc/types.js';
import { mmcRetuneNeeded } from '../mmc/retune.js';
import { MMC_CAP_AGGRESSIVE_PM } from '../mmc/types.js';
import { sdhciInstallPanicOps, sdhciRemovePanicOps } from '../sdhci/panic.js';
import { VERSION_TRAITS } from '../mmcpstore/versions.js';
import type { BoardSession } from './session.js';
import { CQE_SCENARIO_TASKS, queueCqeTasks } from './scenario-cqe.js';
import { UNREACHABLE, UnreachableScenarioError, type PanicScenario } from './types.js';

/** What the setup did and anything it could not model. */
export interface ScenarioSetup {
  notes: string[];
  /** the in-flight request (H1) */
  inflight?: MmcRequest;
}

const PART: Record<string, number> = { boot0: 1, boot1: 2, rpmb: EXT_CSD_PART_CONFIG_ACC_RPMB };

export function applyScenario(session: BoardSession, sc: PanicScenario): ScenarioSetup {
  const out: ScenarioSetup = { notes: [] };
  const { stack, system } = session;
  const p = session.requirePstore();
  const host = stack.host;
  const sdhci = stack.sdhci;
  const cpus = system.cpus;

  // §6 switches: reset mask, lock re-initialisation, no panic ops; the rest follows the version
  const traits = VERSION_TRAITS[p.kind];
  sdhciInstallPanicOps(sdhci, {
    resetMask: sc.resetMask ?? 'cmd-data',
    reinitLock: sc.lockReinit ?? traits.reinitSdhciLock,
    resumeRuntimeSuspended: traits.resumeRuntimeSuspended,
    drainTimeoutMs: traits.drainTimeoutMs,
  });
  if (sc.noPanicOps) sdhciRemovePanicOps(sdhci);

  if (sc.partition) {
    // the block layer served mmcblk0boot0/boot1 or an RPMB ioctl last
    withHost(host, () => stack.blk.partSwitch(PART[sc.partition!]!), 'mmcqd');
  }
  if (sc.suspended === 'card') {
    // 3 s idle: mmc_runtime_suspend() — with MMC_CAP_AGGRESSIVE_PM only: cache flush, CMD7
    // deselect + CMD5 sleep, mmc_power_off(); without it the card would stay selected in tran
    if (!(host.caps & MMC_CAP_AGGRESSIVE_PM)) throw new UnreachableScenarioError(UNREACHABLE.cardSuspend);
    session.cardPm.setStatus('active', 'scenario');
    const ret = session.cardPm.suspend('autosuspend');
    if (ret < 0) out.notes.push(`card runtime suspend failed: ${ret}`);
  }
  if (sc.suspended === 'host') {
    // the host's autosuspend: sdhci_runtime_suspend_host(), a re-tune flagged, SD clock off,
    // interface clock gated (what MMIO then does is the board's `gatedMmio`)
    session.hostPm.setStatus('active', 'scenario');
    const ret = session.hostPm.suspend('autosuspend');
    if (ret < 0) out.notes.push(`host runtime suspend failed: ${ret}`);
  }
  if (sc.retunePending) {
    // mmc_retune_needed(): a CRC error or the re-tune timer; only a host that tuned can re-tune
    if (!host.canRetune) throw new UnreachableScenarioError(UNREACHABLE.retune);
    mmcRetuneNeeded(host);
  }
  if (sc.cqe) out.notes.push(...queueCqeTasks(session, sc.cqe === true ? CQE_SCENARIO_TASKS : sc.cqe));
  if (sc.pmSuspendWindow) p.driver.pmNotify('suspend-prepare');

  if (sc.lockHeld === 'sdhci') {
    cpus.cpus[1]!.activity = 'sdhci_irq()';
    session.sdhciLock.forceOwner(1);
  } else if (sc.lockHeld === 'host') {
    cpus.cpus[1]!.activity = '__mmc_claim_host()';
    session.hostLock.forceOwner(1);
  } else if (sc.lockHeld === 'claim') {
    mmcClaimHost(host, 'kworker/1:2 (mmc_blk_mq_issue_rq)');
  }

  if (sc.inflight) {
    // the block layer on CPU1: a 1 MiB write into rootfs, CMD23 + CMD25, started and not finished
    const last = stack.partitions[stack.partitions.length - 1]!;
    const blocks = Math.min(1024, Math.floor(host.maxReqSize / SECTOR_SIZE));
    const lba = last.startSector;
    const buf = new Uint8Array(blocks * SECTOR_SIZE).fill(0xa5);
    const data = mmcData(buf, blocks, MMC_DATA_WRITE);
    mmcSetDataTimeout(data, stack.card);
    const mrq: MmcRequest = { cmd: mmcCommand(MMC.WRITE_MULTIPLE_BLOCK, stack.card.blockaddr ? lba : lba * SECTOR_SIZE, MMC_RSP_R1 | MMC_CMD_ADTC), data, completed: false };
    mrq.sbc = mmcCommand(MMC.SET_BLOCK_COUNT, blocks, MMC_RSP_R1 | MMC_CMD_AC);
    mrq.done = (m) => {
      m.completed = true;
    };
    if (sc.lockHeld !== 'claim') mmcClaimHost(host, 'kworker/1:2 (mmc_blk_mq_issue_rq)');
    const err = mmcStartRequest(host, mrq);
    if (err) out.notes.push(`in-flight request did not start: ${err}`);
    // part of the transfer happens (no interrupt is serviced: CPU1 is about to be stopped)
    session.board.clock.advance(1_500_000);
    out.inflight = mrq;
  }

  if (sc.fault) session.board.faults.add(sc.fault);
  return out;
}

/** Undo what can be undone after a lost-but-survivable panic (tests only use fresh sessions). */
export function releaseScenarioClaim(session: BoardSession): void {
  const host = session.stack.host;
  if (host.claimed && host.claimer !== 'panic') mmcReleaseHost(host);
}
