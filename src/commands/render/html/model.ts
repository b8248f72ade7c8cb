/**
 * What `mmcpstore report` renders: everything comes from the reader (inspect's report, recover's
 * records, the explain findings, the card probe) or from a `panic --json` file; the renderer
 * only formats it, so the same inputs always give the same bytes.
 */
import type { ImageReport, RecordInfo } from '../../../reader/report.js';
import type { ScannedPartition } from '../../../driver/mmc/partitions/index.js';

/** One record with its bytes, as pstorefs would show it. */
export interface ReportRecord {
  info: RecordInfo;
  data: Uint8Array;
}

/** A per-zone finding or a hint of `inspect --explain`, in words. */
export interface ExplainFinding {
  kind: string;
  index: number;
  text: string;
}

export interface ExplainFindings {
  zones: ExplainFinding[];
  hints: string[];
}

/** The card around the pstore partition, when the image is a whole card. */
export interface CardInfo {
  layout: string;
  userOffset: number;
  userSize: number;
  scheme: string;
  partitions: ScannedPartition[];
}

/** One phase of the panic path (`panic --json`: panic.phases[]). */
export interface PanicPhase {
  /** Virtual ns since boot. */
  t: number;
  name: string;
  detail?: string;
  irqsOff: boolean;
}

/** The parts of `panic --json` the report shows. */
export interface PanicRun {
  image: string;
  blkdev: string;
  driver: string;
  outcome: string;
  reason?: string;
  /** What panic() ended in. */
  end: string;
  zone?: number;
  zoneOffset?: number;
  recordBytes?: number;
  panicWriteNs: number;
  phases: PanicPhase[];
  writes: { zone: string; offset: number; bytes: number; ret: number }[];
  notes: string[];
}

export interface ReportModel {
  report: ImageReport;
  records: ReportRecord[];
  explain: ExplainFindings;
  card: CardInfo | null;
  /** `recover --timeline` of the newest crash, when there is a record to build it from. */
  timelineText: string | null;
  panic: PanicRun | null;
}
