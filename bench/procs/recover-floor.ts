/**
 * The floor of the recovery figures, as a whole process: what any recovery of the image must
 * do and nothing more. Reads each zone of a pmsg + console + kmsg layout into one reused buffer,
 * inflates the compressed kmsg records with node:zlib and writes every record's bytes to
 * stdout. Usage: recover-floor IMAGE KMSG_BYTES PMSG_BYTES CONSOLE_BYTES
 */
import * as fs from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { KMSG_PAYLOAD_OFFSET, PSZ_BUFFER, decodeKmsgHeader, decodePszBuffer } from '../../src/zone/codec.js';
import { SZ_128M } from '../../src/zone/kernel-profile.js';

const [image, kmsgArg, pmsgArg, consoleArg] = process.argv.slice(2);
const kmsgSize = Number(kmsgArg);
const fd = fs.openSync(image!, 'r');
const total = Math.min(fs.fstatSync(fd).size, SZ_128M);
const buf = Buffer.allocUnsafe(Math.max(kmsgSize, Number(pmsgArg), Number(consoleArg)));

/** The zone at `off`: its used bytes read into `buf`, or 0 when empty. */
function readZone(off: number, size: number): number {
  fs.readSync(fd, buf, 0, PSZ_BUFFER.size, off);
  const used = Math.min(decodePszBuffer(buf).datalen, size - PSZ_BUFFER.size);
  if (used <= 0) return 0;
  fs.readSync(fd, buf, PSZ_BUFFER.size, used, off + PSZ_BUFFER.size);
  return PSZ_BUFFER.size + used;
}

let off = 0;
for (const size of [Number(pmsgArg), Number(consoleArg)]) {
  const end = readZone(off, size);
  if (end) fs.writeSync(1, buf, PSZ_BUFFER.size, end - PSZ_BUFFER.size);
  off += size;
}
for (; off + kmsgSize <= total; off += kmsgSize) {
  const end = readZone(off, kmsgSize);
  if (!end) continue;
  const payload = buf.subarray(KMSG_PAYLOAD_OFFSET, end);
  fs.writeSync(1, decodeKmsgHeader(buf).compressed ? inflateRawSync(payload) : payload);
}
fs.closeSync(fd);
