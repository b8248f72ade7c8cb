/**
 * The reader's option and parameter model: what a read is asked to do (`ImageOptions`), what the
 * parameters resolved to (`ResolvedParams`), and the card source a read may go through. Types
 * only, so every reader module can share them without importing one another.
 */
import type { Arch } from '../zone/codec.js';
import type { CompressAlgorithm } from '../zone/compressors/algorithms.js';
import type { DetectedLayout } from '../zone/forensics/detect.js';
import type { SymbolLookup } from '../zone/ftrace.js';
import type { BlkParams } from '../zone/params.js';
import type { FileRegion } from '../zone/file-region.js';
import type { Registration } from '../zone/blk.js';
import type { PstoreCore } from '../zone/platform.js';
import type { CardProbe, KeptCardProbe } from './card-probe.js';

export interface ImageOptions {
  /** Image file or block device, as the user named it: what reports and messages show. */
  image: string;
  /**
   * The file to open when it is not `image`: the temporary copy of a compressed or streamed
   * input (input/open.ts). Unset: `image` is opened.
   */
  file?: string;
  /** Byte offset of the pstore region in the file (default 0). */
  offset?: number;
  /** Byte length of the region (default: the rest of the file). */
  size?: number;
  /** A kernel command line / modprobe options string, e.g. "pstore_blk.kmsg_size=64". */
  paramString?: string;
  /** Explicit module parameters (KiB sizes); they override paramString. */
  blk?: Partial<BlkParams>;
  /** nr_cpu_ids of the writing kernel (default 1). */
  nrCpus?: number;
  /** Kernel version whose behaviour to follow (default: current mainline). */
  kernel?: string;
  /**
   * pstore.compress; overrides the one in paramString. Writing compresses with it; reading
   * decodes every compressed record with it alone (unset or none: deflate, then by trial).
   */
  compress?: CompressAlgorithm | 'none';
  /** The writing kernel's ABI (struct layouts); unset: detected from the headers, else 64-bit. */
  arch?: Arch;
  /** Refuse an image whose `<image>.lock` names a live writer (default true). */
  checkLock?: boolean;
  /**
   * Infer the zone sizes and CPU count from the signatures on disk. Default:
   * when no zone size is given (in `blk` or `paramString`), or paramString is "auto".
   */
  autoDetect?: boolean;
  /** Resolves ftrace addresses (`recover --symbols`). */
  symbols?: SymbolLookup;
  /** pstore_blk.blkdev on a card image: read through the emulated board and mmcpstore (card-source.ts). */
  blkdev?: string;
  /** --trace GLOB for the card path (device events, one line each). */
  trace?: string;
  /** Where trace lines go (default: standard error). */
  traceLine?: (line: string) => void;
  /**
   * Opens a whole card image through the emulated board (card-source.ts `openPstoreSource`).
   * Reading a card image without it is an error; a plain region never calls it. The library
   * entry passes the real one; the CLI passes it only when the probe finds a card (card-opener.ts).
   */
  openCard?: CardSourceOpener;
  /**
   * The probe that chose `openCard` (card-opener.ts), with the request it answered: reused while
   * the options ask the same (card-probe.ts cardProbeOnce); unset: each step probes.
   */
  cardProbe?: KeptCardProbe;
}

/** What `--params auto` found, and what was used. */
export interface DetectionInfo {
  found: boolean;
  /** False when nothing was found and the kernel defaults were used instead. */
  used: boolean;
  confidence: 'exact' | 'likely' | 'ambiguous' | null;
  summary: string;
  findings: DetectedLayout['findings'];
  problems: string[];
}

export interface ResolvedParams {
  /** What was asked for: defaults < paramString < blk. */
  requested: BlkParams;
  /** What the parameters read back as after pstore/blk's checks (KiB). */
  effective: BlkParams;
  /** `pstore_blk.kmsg_size=64 ...`. */
  cmdline: string;
  kernel: string;
  nrCpus: number;
  compress: CompressAlgorithm | 'none';
  /**
   * The algorithm the user named (--compress or pstore.compress=), for reading: only then is
   * it the one decoder; absent, records are tried with deflate, then identified by trial.
   */
  decompress?: CompressAlgorithm;
  kmsgBytes: number | null;
  /** Tokens of paramString that are not pstore parameters (a pasted cmdline has many). */
  ignored: string[];
  /** Present when the layout was auto-detected (or detection was tried). */
  detection?: DetectionInfo;
}

/** The byte window a read asked for (--offset/--size, or mmcpstore.sector_offset/sector_count). */
export interface RegionWindow {
  offset?: number;
  size?: number;
}

/** A whole card's pstore partition, read through the emulated board (card-source.ts). */
export interface PstoreSource {
  /** the partition (or its mmcpstore.sector_offset/sector_count window) in the file; close() shuts the board down */
  region: FileRegion;
  fileSize: number | null;
  /** "/dev/mmcblk0p6 (179:6) via mmcpstore, PARTLABEL=pstore" */
  describe: string;
  blkdev: string;
  /** Registers mmcpstore with pstore/blk (no recovery yet: that is the caller's readFiles()). */
  attach(params: ResolvedParams, arch?: Arch): Registration;
  /** Set by attach(): the pstore core over the driver's zone. */
  core?: PstoreCore;
  close(): void;
}

export type CardSourceOpener = (opts: ImageOptions, window: RegionWindow, probe: CardProbe) => PstoreSource;
