/**
 * The types the card and its command table share. The command handlers (./commands.ts) see the
 * card through `CardContext` — the narrow set of state and operations a command may use — so the
 * table never imports the card class, and the card imports the table.
 */

import type { BlockBacking } from '../backing.js';
import type { CommandTicket } from '../faults.js';
import type { LatencyModel } from '../latency.js';
import type { Tracer } from '../trace.js';
import type { MmcCommandType, MmcResponse } from '../../hw/mmc-protocol.js';
import type { StreamIo } from './stream-io.js';
import type { TaskQueue } from './task-queue.js';
import type { WriteProtection } from './write-protect.js';
import type { CardState, R1Flag } from './status.js';

/** What the card puts on CMD after a command (CRC already stripped for R1/R3; R2 keeps its 16 bytes). */
export type CardResponse =
  | { kind: 'none' }
  | { kind: 'r1'; status: number }
  | { kind: 'r1b'; status: number }
  | { kind: 'r2'; reg: Uint8Array }
  | { kind: 'r3'; ocr: number };

/** CMD23's argument, kept for the next CMD18/CMD25. */
export interface BlockCount {
  count: number;
  /** bit 31: reliable write */
  reliable: boolean;
  /** bit 24: forced programming (the data bypasses the volatile cache) */
  forced: boolean;
}

/** What a handler asks the card to answer. */
export type Outcome =
  | { r: 'none' }
  | { r: 'r1' }
  | { r: 'r1b' }
  | { r: 'r2'; reg: Uint8Array }
  | { r: 'r3'; ocr: number }
  /** CMD13 with SQS: an R1-format response carrying the Queue Status Register, status untouched */
  | { r: 'qsr'; qsr: number };

export interface DataHandlers {
  /** next block for the host (undefined: stop, an error bit has been raised) */
  read?: (card: CardContext, d: DataPhase) => Uint8Array | undefined;
  /** one complete block from the host; false if it did not reach the backing */
  write?: (card: CardContext, d: DataPhase, block: Uint8Array) => boolean;
}

export interface CardCommand {
  readonly index: number;
  readonly name: string;
  readonly cls: number;
  readonly type: MmcCommandType;
  readonly response: MmcResponse;
  /** argument bits 31:16 carry an RCA; other cards stay silent */
  readonly addressed: boolean;
  readonly states: readonly CardState[];
  /** undefined: a JEDEC command this model does not implement */
  readonly handler: ((card: CardContext, arg: number, self: CardCommand) => Outcome) | undefined;
  readonly data: DataHandlers | undefined;
  /** 'legacy': illegal while CMDQ_MODE_EN is set; 'queue': legal only while it is set */
  readonly cmdq: 'legacy' | 'queue' | undefined;
}

export interface DataPhase {
  readonly entry: CardCommand;
  readonly dir: 'read' | 'write';
  /** partition (PARTITION_ACCESS value) the transfer addresses */
  readonly part: number;
  /** byte offset of the next block inside the partition */
  offset: number;
  /** blocks still to transfer; undefined = open-ended (until CMD12) */
  remaining: number | undefined;
  readonly blockLen: number;
  /** read: the block being sent; write: the block being received */
  buf: Uint8Array | undefined;
  pos: number;
  /** a range error stopped the stream */
  stopped: boolean;
  /** the command that started it (for fault targeting) */
  readonly ticket: CommandTicket | undefined;
  /** blocks moved so far */
  blocks: number;
  /** write: reliable write or forced programming, the blocks bypass the volatile cache */
  readonly durable: boolean;
  /** read-ahead / write-behind of the image while I/O is batched (./stream-io.ts) */
  io?: StreamIo;
}

/** The card as a command handler sees it. */
export interface CardContext {
  readonly state: CardState;
  readonly latency: LatencyModel;
  readonly tracer: Tracer;
  readonly cid: Uint8Array;
  readonly csd: Uint8Array;
  readonly extCsd: Uint8Array;
  readonly writeProtection: WriteProtection;
  readonly queue: TaskQueue;
  readonly cmdqOn: boolean;
  rca: number;
  blockLen: number;
  /** CMD23: applies to the next CMD18/CMD25 only */
  blockCount: BlockCount | undefined;
  eraseStart: number | undefined;
  eraseEnd: number | undefined;

  setState(to: CardState): void;
  flag(name: R1Flag): void;
  flagLater(name: R1Flag): void;
  isBusy(): boolean;
  busyFor(ns: number, why: string, final: boolean): void;
  reset(): void;
  takeCmd1Busy(): boolean;
  ocr(ready: boolean): number;

  readonly partitionAccess: number;
  partition(access?: number): BlockBacking | undefined;
  partitionName(): string;
  byteAddress(arg: number): number;
  dataBlockLen(): number;
  checkBlockAddress(offset: number, len: number): boolean;
  /** a write to [offset, offset + len) of the current partition would violate write protection */
  isWriteProtected(offset?: number, len?: number): boolean;
  switchByte(index: number, value: number): boolean;
  /** side effects of a stored CMD6 byte (cache flush, boot WP, queue); returns extra busy (ns) */
  afterSwitch(index: number, value: number): number;

  startData(entry: CardCommand, dir: 'read' | 'write', offset: number, remaining: number | undefined, blockLen: number, durable?: boolean): void;
  endData(): void;
  readPartitionBlock(d: DataPhase): Uint8Array | undefined;
  writePartitionBlock(d: DataPhase, block: Uint8Array): boolean;
}
