/**
 * The least a signature scan in node can do, as a whole process (reported next to the detect
 * figure, to show where its time goes): reads the file in 1 MiB chunks straight into the SIMD
 * finder's memory (src/zone/forensics/tail-finder.ts, what detect searches with) and searches
 * each once for the bytes every zone signature shares, with the all-zero test folded in. No
 * partition table, no headers, no layout inference. Usage: scan-floor FILE
 */
import * as fs from 'node:fs';
import { tailFinder } from '../../src/zone/forensics/tail-finder.js';

const CHUNK = 1 << 20;
const TAIL = Buffer.from('BGC', 'latin1');
const finder = tailFinder(TAIL, CHUNK + 3);
const fd = fs.openSync(process.argv[2]!, 'r');
let found = 0;
for (let pos = 0, got = 0; (got = fs.readSync(fd, finder.buf, 0, finder.buf.length, pos)) > 0; pos += CHUNK) {
  for (let i = finder.find(0, got); i >= 0; i = finder.find(i + TAIL.length, got)) found++;
}
fs.closeSync(fd);
process.exitCode = found >= 0 ? 0 : 1;
