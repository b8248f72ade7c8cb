/**
 * Latency model: how long things take on the virtual clock. Figures from
 * shared/spec/sdhci-emmc-device.md §5 (timing table and "Suggested default model"); each constant
 * names its source. Bus-dependent times (command/response, data blocks) are computed from the
 * clock and width the host actually configured; card-internal times are fixed parameters.
 */

import { NS_PER_MS, NS_PER_S, NS_PER_US } from './clock.js';

export interface BusConfig {
  /** SD clock in Hz (0 = stopped) */
  clockHz: number;
  /** 1, 4 or 8 data lines */
  width: 1 | 4 | 8;
  /** double data rate (DDR52/HS400) */
  ddr: boolean;
}

export interface LatencyParams {
  /** Ncr: clocks between command end bit and response start; JEDEC 2..64 (§5 "Command + response on the wire") */
  ncrClocks: number;
  /** clocks without response before the controller reports Command Timeout (§2.9: 64 SD clocks, inferred) */
  cmdTimeoutClocks: number;
  /** read access time Nac per read command (§5 suggested model: 50 µs per command) */
  readAccessNs: number;
  /** card program busy per 512-byte block, sustained (§5: 25 µs per block ≈ 20 MB/s) */
  programPerBlockNs: number;
  /** minimum busy per write command (§5: 200 µs) */
  minWriteBusyNs: number;
  /** CMD6 busy for ordinary EXT_CSD writes (§5: 500 µs; HS_TIMING/BUS_WIDTH 0.1–1 ms) */
  switchBusyNs: number;
  /** CMD6 PARTITION_CONFIG busy (§5: 1 ms) */
  partitionSwitchBusyNs: number;
  /** erase busy per erase group (§5: 5 ms per 512 KiB group) */
  eraseGroupBusyNs: number;
  /** trim/discard busy per 512-byte block (inferred: same as programming) */
  trimPerBlockNs: number;
  /** CMD1 answers busy this many times after power-up (§5: busy for the first 2 CMD1s) */
  cmd1BusyCount: number;
  /** internal clock oscillator settle time before Internal Clock Stable (inferred; Linux polls 10 µs steps) */
  clockStableNs: number;
  /** bus used when nobody configured one (card unit tests): HS200-class, 200 MHz SDR 8-bit (§5 HS200 row) */
  defaultBus: BusConfig;
}

/** HS200-class eMMC 5.1 defaults (§5 suggested default model, inferred figures). */
export const DEFAULT_LATENCY: Readonly<LatencyParams> = Object.freeze({
  ncrClocks: 8,
  cmdTimeoutClocks: 64,
  readAccessNs: 50 * NS_PER_US,
  programPerBlockNs: 25 * NS_PER_US,
  minWriteBusyNs: 200 * NS_PER_US,
  switchBusyNs: 500 * NS_PER_US,
  partitionSwitchBusyNs: 1 * NS_PER_MS,
  eraseGroupBusyNs: 5 * NS_PER_MS,
  trimPerBlockNs: 25 * NS_PER_US,
  cmd1BusyCount: 2,
  clockStableNs: 10 * NS_PER_US,
  defaultBus: Object.freeze({ clockHz: 200_000_000, width: 8 as const, ddr: false }),
});

/** Identification clock (§5: 400 kHz). */
export const IDENT_CLOCK_HZ = 400_000;
/** Bits of a command token on CMD (48). */
export const COMMAND_BITS = 48;
/** Bits of a short (R1/R3) response (48) and a long R2 response (136). */
export const RESPONSE_BITS = { none: 0, short: 48, long: 136 } as const;
/** Per block on each DAT line: start bit + CRC16 + end bit (§5 "One 512-byte block": 16 CRC and 2 framing clocks). */
export const DATA_BLOCK_OVERHEAD_CLOCKS = 18;
/** Write CRC status token + turnaround (§5 "its CRC status comes t_block + 8 clocks later"). */
export const WRITE_CRC_STATUS_CLOCKS = 8;

export class LatencyModel {
  readonly p: Readonly<LatencyParams>;
  constructor(params: Partial<LatencyParams> = {}) {
    this.p = Object.freeze({ ...DEFAULT_LATENCY, ...params });
  }

  private clocksToNs(clocks: number, hz: number): number {
    return Math.ceil((clocks * NS_PER_S) / (hz > 0 ? hz : this.p.defaultBus.clockHz));
  }

  /** Command issue → response end (Command Complete): (48 + Ncr + response bits)/f (§5 event timeline). */
  commandNs(responseBits: number, clockHz: number): number {
    const clocks = COMMAND_BITS + (responseBits > 0 ? this.p.ncrClocks + responseBits : 0);
    return this.clocksToNs(clocks, clockHz);
  }

  /** Command issue → Command Timeout (no response within 64 clocks after the command). */
  commandTimeoutNs(clockHz: number): number {
    return this.clocksToNs(COMMAND_BITS + this.p.cmdTimeoutClocks, clockHz);
  }

  /** One data block on the bus: (bytes·8/width [/2 DDR] + 18) clocks (§5: 512 B @52 MHz 8-bit ≈ 10 µs). */
  blockTransferNs(bytes: number, bus: BusConfig): number {
    const dataClocks = Math.ceil((bytes * 8) / bus.width / (bus.ddr ? 2 : 1));
    return this.clocksToNs(dataClocks + DATA_BLOCK_OVERHEAD_CLOCKS, bus.clockHz);
  }

  /** CRC status token after a written block. */
  writeCrcStatusNs(bus: BusConfig): number {
    return this.clocksToNs(WRITE_CRC_STATUS_CLOCKS, bus.clockHz);
  }

  /** Busy after a written block: the sustained per-block figure, with the per-command minimum on the last block. */
  programNs(lastBlockOfCommand: boolean): number {
    return lastBlockOfCommand ? Math.max(this.p.programPerBlockNs, this.p.minWriteBusyNs) : this.p.programPerBlockNs;
  }

  /** Data timeout of the controller: 2^(13+n) TMCLK periods (§1.6). */
  static dataTimeoutNs(count: number, tmclkHz: number): number {
    const n = Math.min(count & 0xf, 14);
    return Math.ceil((2 ** (13 + n) * NS_PER_S) / tmclkHz);
  }
}
