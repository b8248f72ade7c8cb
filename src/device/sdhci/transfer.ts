/** The state of one SDHCI data transfer, shared by the controller's engines and its data port. */

import type { Adma2Engine, SdmaEngine } from './dma.js';

export type DmaMode = 'pio' | 'sdma' | 'adma32' | 'adma64';

export interface Transfer {
  readonly cmdIndex: number;
  readonly read: boolean;
  readonly blockSize: number;
  readonly useCount: boolean;
  /** undefined = until stopped (no Block Count Enable on a multi-block transfer) */
  blocksLeft: number | undefined;
  readonly dma: DmaMode;
  readonly autoCmd12: boolean;
  sdma: SdmaEngine | undefined;
  adma: Adma2Engine | undefined;
  /** PIO/DMA staging buffer for the current block */
  buf: Uint8Array | undefined;
  /** PIO writes: the block buffer, reused block after block (the card copies a block when it takes it) */
  pioBlock: Uint8Array | undefined;
  pos: number;
  /** SDMA waiting for the host to rewrite the address after a boundary interrupt */
  sdmaPaused: boolean;
  /** ADMA End attribute consumed on an open-ended transfer */
  endSeen: boolean;
  stuck: boolean;
  blocksDone: number;
  /** this transfer's per-block continuations, made once for its epoch (./transfer-engine.ts) */
  cont: TransferContinuations | undefined;
}

/**
 * What the clock runs for a transfer's next block. They depend only on the transfer and its
 * epoch, so they are made once per transfer instead of one closure per block.
 */
export interface TransferContinuations {
  readonly epoch: number;
  /** a read block has crossed the bus (readBlockArrives) */
  readonly readArrives: () => void;
  /** the card's busy after a written block has ended: the next block may go */
  readonly writeReady: () => void;
  /** the PIO block buffer's block has crossed the bus (sendBlock of pioBlock) */
  readonly pioSend: () => void;
}
