/**
 * The data-path figures, as a whole process: boots the emulated board on an image file (a
 * FileBacking, as the CLI does) with one transfer mode, writes `total` bytes in requests of
 * `request` bytes through the block layer, the MMC core and the SDHCI registers, then reads them
 * back. Usage: card-io FILE pio|sdma|adma2 TOTAL_BYTES REQUEST_BYTES
 */
import { FileBacking } from '../../src/device/backing.js';
import { createBoard } from '../../src/device/board.js';
import { bootMmcStack } from '../../src/driver/mmc/host-board.js';
import type { TransferKind } from '../../src/driver/sdhci/sdhci.js';
import { SECTOR_SIZE } from '../../src/lib/units.js';
import { requestData } from './request-data.js';

const [file, transfer, totalArg, requestArg] = process.argv.slice(2);
const total = Number(totalArg);
const request = Number(requestArg);
const data = requestData(request);
// No fsync at close: the baseline (procs/fs-io.ts) does none either; the same requests, nothing more.
const board = createBoard({ backing: FileBacking.open(file!, { mode: 'rw', durable: false }) });
const user = bootMmcStack({ board, transfer: transfer as TransferKind }).devices[0]!;
for (let off = 0; off < total; off += request) user.writeSectors(off / SECTOR_SIZE, data);
// One buffer for every read, as the baseline reads (the block layer reads into the caller's buffer).
const back = new Uint8Array(request);
for (let off = 0; off < total; off += request) user.readSectorsInto(off / SECTOR_SIZE, back);
board.close();
