/**
 * CQHCI (eMMC Command Queue Host Controller Interface, JESD84-B51 Appendix B) register map and
 * descriptor formats — one definition for the emulated CQE (src/device/sdhci/cqhci-engine.ts) and
 * the host driver. Names and bits are Linux's drivers/mmc/host/cqhci.h (CQHCI_* without the
 * prefix). Offsets are relative to the CQE base, which sits after the SDHCI window
 * (`CQHCI_BASE`, as sdhci-pci's Intel hosts place it at ioaddr + 0x200).
 *
 * Task descriptor (64 bits, little-endian): attributes in bits 31:0, block address in 63:32.
 * Transfer and link descriptors use the ADMA2 format (./adma2.ts). With CQCFG TASK_DESC_SZ a
 * task slot is a 128-bit task descriptor followed by a 128-bit link descriptor (64-bit addresses,
 * 16-byte transfer descriptors); without it 64 + 64 bits (32-bit addresses, 8-byte descriptors).
 */

import { bit, field } from './fields.js';
import { reg32, type RegDef } from './sdhci-regs.js';

/** MMIO offset of the CQE registers in the host's window, and their span. */
export const CQHCI_BASE = 0x200;
export const CQHCI_MMIO_SIZE = 0x100;

export const CQHCI_VER = reg32(0x00, 'CQVER', { access: 'ro', reset: 0x0510, doc: 'eMMC 5.1 CQHCI' });
export const CQHCI_CAP = reg32(0x04, 'CQCAP', { access: 'ro' });
export const CQHCI_CFG = reg32(0x08, 'CQCFG', { access: 'rw' });
export const CQHCI_CTL = reg32(0x0c, 'CQCTL', { access: 'rw' });
export const CQHCI_IS = reg32(0x10, 'CQIS', { access: 'rw1c' });
export const CQHCI_ISTE = reg32(0x14, 'CQISTE', { access: 'rw' });
export const CQHCI_ISGE = reg32(0x18, 'CQISGE', { access: 'rw' });
export const CQHCI_IC = reg32(0x1c, 'CQIC', { access: 'rw', doc: 'interrupt coalescing (stored, not modelled)' });
export const CQHCI_TDLBA = reg32(0x20, 'CQTDLBA', { access: 'rw' });
export const CQHCI_TDLBAU = reg32(0x24, 'CQTDLBAU', { access: 'rw' });
export const CQHCI_TDBR = reg32(0x28, 'CQTDBR', { access: 'rw', doc: 'doorbell: writing 1 starts a task, writing 0 does nothing' });
export const CQHCI_TCN = reg32(0x2c, 'CQTCN', { access: 'rw1c' });
export const CQHCI_DQS = reg32(0x30, 'CQDQS', { access: 'ro', doc: 'the device queue status (last CMD13 SQS)' });
export const CQHCI_DPT = reg32(0x34, 'CQDPT', { access: 'ro', doc: 'tasks queued in the device, not yet executed' });
export const CQHCI_TCLR = reg32(0x38, 'CQTCLR', { access: 'rw', doc: 'clear tasks (only while halted)' });
export const CQHCI_SSC1 = reg32(0x40, 'CQSSC1', { access: 'rw' });
export const CQHCI_SSC2 = reg32(0x44, 'CQSSC2', { access: 'rw', doc: 'bits 15:0: the RCA for CMD13 SQS' });
export const CQHCI_CRDCT = reg32(0x48, 'CQCRDCT', { access: 'ro' });
export const CQHCI_RMEM = reg32(0x50, 'CQRMEM', { access: 'rw', reset: 0xfdf9a080, doc: 'R1 bits that are task errors' });
export const CQHCI_TERRI = reg32(0x54, 'CQTERRI', { access: 'ro' });
export const CQHCI_CRI = reg32(0x58, 'CQCRI', { access: 'ro', doc: 'index of the last command response' });
export const CQHCI_CRA = reg32(0x5c, 'CQCRA', { access: 'ro', doc: 'argument (R1) of the last command response' });

export const CQHCI_REGISTERS: readonly RegDef[] = [
  CQHCI_VER, CQHCI_CAP, CQHCI_CFG, CQHCI_CTL, CQHCI_IS, CQHCI_ISTE, CQHCI_ISGE, CQHCI_IC, CQHCI_TDLBA, CQHCI_TDLBAU,
  CQHCI_TDBR, CQHCI_TCN, CQHCI_DQS, CQHCI_DPT, CQHCI_TCLR, CQHCI_SSC1, CQHCI_SSC2, CQHCI_CRDCT, CQHCI_RMEM, CQHCI_TERRI,
  CQHCI_CRI, CQHCI_CRA,
];
const BY_OFFSET = new Map(CQHCI_REGISTERS.map((r) => [r.offset, r]));
/** The register at a CQE-relative offset (32-bit registers, aligned). */
export const cqhciRegisterAt = (offset: number): RegDef | undefined => BY_OFFSET.get(offset & ~3);

/** CQCAP: interrupt-coalescing timer clock (multiplier, value); crypto support (bit 28). */
export const CQCAP = {
  ITCFVAL: field(CQHCI_CAP, 0, 10),
  ITCFMUL: field(CQHCI_CAP, 12, 4),
  CS: bit(CQHCI_CAP, 28),
} as const;

/** CQCFG. */
export const CQCFG = {
  ENABLE: bit(CQHCI_CFG, 0),
  CRYPTO_GENERAL_ENABLE: bit(CQHCI_CFG, 1),
  TASK_DESC_SZ: bit(CQHCI_CFG, 8),
  DCMD: bit(CQHCI_CFG, 12),
} as const;

/** CQCTL. */
export const CQCTL = {
  HALT: bit(CQHCI_CTL, 0),
  CLEAR_ALL_TASKS: bit(CQHCI_CTL, 8),
} as const;

/** CQIS / CQISTE / CQISGE (same layout). */
export const CQIS = {
  HAC: bit(CQHCI_IS, 0),
  TCC: bit(CQHCI_IS, 1),
  RED: bit(CQHCI_IS, 2),
  TCL: bit(CQHCI_IS, 3),
  GCE: bit(CQHCI_IS, 4),
  ICCE: bit(CQHCI_IS, 5),
} as const;

/** CQSSC1: CMD13 SQS polling — idle timer (15:0) and block counter (19:16). */
export const CQSSC1 = {
  CIT: field(CQHCI_SSC1, 0, 16),
  CBC: field(CQHCI_SSC1, 16, 4),
} as const;

/** CQTERRI: the task and command of a response error (and of a data error, 31:16). */
export const CQTERRI = {
  RESP_ERR_CMD: field(CQHCI_TERRI, 0, 6),
  RESP_ERR_TASK: field(CQHCI_TERRI, 8, 5),
  RESP_ERR_VALID: bit(CQHCI_TERRI, 15),
  DATA_ERR_CMD: field(CQHCI_TERRI, 16, 6),
  DATA_ERR_TASK: field(CQHCI_TERRI, 24, 5),
  DATA_ERR_VALID: bit(CQHCI_TERRI, 31),
} as const;

/** Task descriptor attribute word (bits 31:0). */
const TASK_DESC = { name: 'task descriptor' } as const;
export const CQHCI_TASK = {
  VALID: bit(TASK_DESC, 0),
  END: bit(TASK_DESC, 1),
  INT: bit(TASK_DESC, 2),
  ACT: field(TASK_DESC, 3, 3),
  FORCED_PROG: bit(TASK_DESC, 6),
  CONTEXT: field(TASK_DESC, 7, 4),
  DATA_TAG: bit(TASK_DESC, 11),
  DATA_DIR: bit(TASK_DESC, 12),
  PRIORITY: bit(TASK_DESC, 13),
  QBAR: bit(TASK_DESC, 14),
  REL_WRITE: bit(TASK_DESC, 15),
  BLK_COUNT: field(TASK_DESC, 16, 16),
} as const;
/** ACT of a task descriptor (0x5) and of cqhci's transfer (0x4) and link (0x6) descriptors. */
export const CQHCI_ACT_TASK = 0x5;
export const CQHCI_ACT_TRAN = 0x4;
export const CQHCI_ACT_LINK = 0x6;
/** Task descriptor and link/transfer descriptor sizes without and with CQCFG TASK_DESC_SZ. */
export const CQHCI_TASK_DESC_LEN_64 = 8;
export const CQHCI_TASK_DESC_LEN_128 = 16;
export const CQHCI_TRANS_DESC_LEN_32 = 8;
export const CQHCI_TRANS_DESC_LEN_64 = 16;
/** Slot 31 is the direct-command slot when CQCFG DCMD is set (DCMD itself is not modelled). */
export const CQHCI_DCMD_SLOT = 31;
export const CQHCI_NUM_SLOTS = 32;
