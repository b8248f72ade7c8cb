/**
 * The versions of mmcpstore the model runs (docs/driver-review.md): the three posted to LKML in
 * 2026 and our corrections. One table of what differs between them; everything else in
 * src/driver/mmcpstore is the same code for v3, v4 and v5 (the series changed nothing else).
 */

/** v3 (19 Mar 2026), v4 (20 Mar), v5 (22 Apr, the latest posted), proposed (our corrections). */
export const MMCPSTORE_VERSIONS = ['v3', 'v4', 'v5', 'proposed'] as const;
export type MmcpstoreVersion = (typeof MMCPSTORE_VERSIONS)[number];

/** What `--driver` runs when not told: the latest posted version. */
export const DEFAULT_MMCPSTORE_VERSION: MmcpstoreVersion = 'v5';

/** Older names still accepted: posted = the latest posted version, fixed = proposed. */
export const MMCPSTORE_VERSION_ALIASES: Readonly<Record<string, MmcpstoreVersion>> = { posted: 'v5', fixed: 'proposed' };

/** A version name or alias → the version; undefined when it is neither. */
export function mmcpstoreVersion(name: string): MmcpstoreVersion | undefined {
  const n = name.trim().toLowerCase();
  return (MMCPSTORE_VERSIONS as readonly string[]).includes(n) ? (n as MmcpstoreVersion) : MMCPSTORE_VERSION_ALIASES[n];
}

/** How a version gets the host for its panic write (spec §1.6.2, §1.6.3). */
export type ClaimPath =
  /** driver calls panic_prepare, then mmc_panic_claim_host (force-claim only); re-claims and calls panic_complete before every request */
  | 'prepare-then-claim'
  /** mmc_panic_claim_host logs claimed/suspended/ongoing_mrq, calls panic_prepare, force-claims; once per panic_write; panic_complete only after the poll */
  | 'claim-with-prepare'
  /** proposed: the v5 claim, then bring the card to TRAN with polled commands (panic-path.ts) */
  | 'claim-and-recover';

export interface VersionTraits {
  /** posted to the list (false: our corrections) */
  posted: boolean;
  /** date of the posting */
  date?: string;
  claimPath: ClaimPath;
  /** SDHCI panic_prepare: bound of the inhibit-bit drain after the reset (ms) */
  drainTimeoutMs: number;
  /** SDHCI panic_prepare re-initialises sdhci_host->lock (spec §6 Q5) */
  reinitSdhciLock: boolean;
  /** SDHCI panic_prepare re-enables a runtime-suspended host's clock and interrupts through its registers */
  resumeRuntimeSuspended: boolean;
}

/**
 * v3 ≡ v4 in behaviour: the v5 cover letter lists only kernel-doc fixes and an unused variable as
 * "Changes since v3", and v3 1/4 and v4 1/4 carry the same core.c diff. v5 changes the claim path
 * and lengthens the SDHCI drain (value not published: 10× is our inference).
 */
export const VERSION_TRAITS: Readonly<Record<MmcpstoreVersion, VersionTraits>> = {
  v3: { posted: true, date: '2026-03-19', claimPath: 'prepare-then-claim', drainTimeoutMs: 100, reinitSdhciLock: false, resumeRuntimeSuspended: false },
  v4: { posted: true, date: '2026-03-20', claimPath: 'prepare-then-claim', drainTimeoutMs: 100, reinitSdhciLock: false, resumeRuntimeSuspended: false },
  v5: { posted: true, date: '2026-04-22', claimPath: 'claim-with-prepare', drainTimeoutMs: 1000, reinitSdhciLock: false, resumeRuntimeSuspended: false },
  proposed: { posted: false, claimPath: 'claim-and-recover', drainTimeoutMs: 1000, reinitSdhciLock: true, resumeRuntimeSuspended: true },
};
