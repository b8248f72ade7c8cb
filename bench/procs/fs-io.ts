/**
 * The baseline of the data-path figures, as a whole process: the same requests as
 * procs/card-io.ts (write every request of `total` bytes, then read them back), done with
 * positional fs calls on a file of the same kind. Usage: fs-io FILE TOTAL_BYTES REQUEST_BYTES
 */
import * as fs from 'node:fs';
import { requestData } from './request-data.js';

const [file, totalArg, requestArg] = process.argv.slice(2);
const total = Number(totalArg);
const request = Number(requestArg);
const data = requestData(request);
const fd = fs.openSync(file!, 'r+');
for (let off = 0; off < total; off += request) fs.writeSync(fd, data, 0, request, off);
// One buffer for every read, the cheapest way fs can do it (procs/card-io.ts reads into one too).
const back = Buffer.allocUnsafe(request);
for (let off = 0; off < total; off += request) fs.readSync(fd, back, 0, request, off);
fs.closeSync(fd);
