/**
 * `mmcpstore inspect`: the zone table in disk order with the kernel's
 * verdicts, the record summary, and the same facts as one JSON object
 * (docs/cli.md "inspect").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PstoreType, encodePszBuffer, zoneSignature } from '../../src/zone/index.js';
import { inspectImage, type ImageReport } from '../../src/index.js';
import { runCli, sidecar, tempDir, unpack } from './helpers.js';

test('inspect prints every zone in disk order with its verdict, then the records', (t) => {
  const dir = tempDir(t);
  const image = unpack('mmc-256k-kmsg64-wrap', dir);
  const r = runCli(['inspect', '--image', image, '--kmsg-size', '64']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const text = r.stdout.toString('utf8');
  assert.doesNotMatch(text, /\x1b\[/, 'no colour into a pipe');
  assert.match(text, /^image {3}.*mmc-256k-kmsg64-wrap\.img, bytes 0\.\.262144 \(262144 bytes of a 262144-byte file\)$/m);
  assert.match(text, /^params  pstore_blk\.kmsg_size=64 .*\(kernel 6\.6 behaviour, 1 CPU\)$/m);
  assert.match(text, /^layout  4 kmsg zones; 262144 bytes used, 0 unused$/m);
  const zoneLines = text.split('\n').filter((l) => /^kmsg\s/.test(l));
  assert.deepEqual(
    zoneLines.map((l) => l.split(/\s+/)),
    [
      ['kmsg', '0', '0x00000', '65536', 'ok', '8636', '0', 'ok'],
      ['kmsg', '1', '0x10000', '65536', 'ok', '8678', '0', 'ok'],
      ['kmsg', '2', '0x20000', '65536', 'ok', '10036', '0', 'ok'],
      ['kmsg', '3', '0x30000', '65536', 'ok', '10281', '0', 'ok'],
    ],
  );
  const recLines = text.split('\n').filter((l) => l.startsWith('dmesg-'));
  const kernel = sidecar('mmc-256k-kmsg64-wrap').records_reported_by_kernel;
  assert.equal(recLines.length, kernel.length);
  recLines.forEach((l, i) => {
    const [name, reason, , time, size, stored] = l.split(/\s+/);
    assert.equal(name, kernel[i]!.name);
    assert.equal(reason, kernel[i]!.reason);
    assert.equal(time, new Date(kernel[i]!.mtime * 1000).toISOString().replace('.000Z', 'Z'));
    assert.equal(Number(size), kernel[i]!.size);
    assert.ok(Number(stored) > 0 && Number(stored) < kernel[i]!.size, 'deflate records show their smaller stored size');
  });
});

test('runs of never-written zones collapse to one row, and --verbose shows each one and the kernel log', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const plain = runCli(['inspect', '-i', image]).stdout.toString();
  assert.match(plain, /^kmsg\s+4-15\s+0x40000\s+65536\s+bad\s+-\s+-\s+no-valid-data \(12 zones\)$/m);
  const verbose = runCli(['inspect', '-i', image, '--verbose']).stdout.toString();
  assert.equal(verbose.split('\n').filter((l) => /^kmsg\s+\d+\s/.test(l)).length, 16);
  assert.match(verbose, /^kernel log$/m);
  assert.match(verbose, /^ {2}pstore_zone: registered pstore_blk as backend for kmsg\(Oops\)$/m);
  assert.match(verbose, /^ {2}pstore_zone: no valid data in kmsg dump zone 15$/m);
});

test('inspect --json is one object with the documented schema and the kernel\'s records', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-deflate', dir);
  const r = runCli(['inspect', '-i', image, '--json', '--color', 'always']);
  assert.equal(r.status, 0, r.stderr);
  const text = r.stdout.toString();
  assert.doesNotMatch(text, /\x1b\[/, 'JSON is never coloured');
  const report = JSON.parse(text) as ImageReport;
  assert.deepEqual(Object.keys(report).sort(), ['arch', 'archEvidence', 'image', 'layout', 'log', 'params', 'records', 'recovery', 'schema', 'warnings', 'zones']);
  assert.equal(report.schema, 1);
  assert.equal(report.arch, 'x86_64', 'no 32-bit evidence on disk: the 64-bit default');
  assert.match(report.archEvidence, /^default \(64-bit\)/);
  assert.deepEqual(report.records.map((x) => [x.algorithm, x.algorithmSource]), report.records.map(() => ['deflate', 'default']));
  assert.deepEqual(report.image, { path: image, offset: 0, size: 1048576, fileSize: 1048576 });
  assert.equal(report.params.effective.kmsgSize, 64);
  assert.equal(report.layout.zoneCounts.kmsg, 16);
  assert.equal(report.zones.length, 16);
  assert.deepEqual(report.zones.map((z) => z.offset), Array.from({ length: 16 }, (_, i) => i * 65536), 'disk order');
  assert.deepEqual(report.zones.map((z) => z.status), [...Array(4).fill('ok'), ...Array(12).fill('no-valid-data')]);
  assert.deepEqual(report.zones.slice(0, 4).map((z) => z.datalen), [8886, 10216, 8897, 10200]);
  assert.equal(report.zones[5]!.signature, false);
  assert.equal(report.zones[5]!.message, 'no valid data in kmsg dump zone 5');
  const kernel = sidecar('virtio-1m-kmsg64-deflate').records_reported_by_kernel;
  assert.deepEqual(
    report.records.map((x) => [x.name, x.size, x.timeSec, x.reason, x.compressed]),
    kernel.map((k) => [k.name, k.size, k.mtime, k.reason, false]),
  );
  assert.deepEqual(report.warnings, [], 'never-written zones are not warnings');
  assert.equal(report.recovery.ok, true);
});

test('the library call behind inspect gives the same report as the command', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const lib = inspectImage({ image, blk: { kmsgSize: 64 } });
  const cli = JSON.parse(runCli(['inspect', '-i', image, '--kmsg-size', '64', '--json']).stdout.toString()) as ImageReport;
  assert.deepEqual(JSON.parse(JSON.stringify(lib)), cli);
});

test('a zone whose header the kernel rejects is shown with its verdict and warned about on stderr', (t) => {
  const dir = tempDir(t);
  const image = path.join(dir, 'overtop.img');
  const bytes = new Uint8Array(16384);
  // kmsg zone 1 (4 KiB zones) claims more data than its buffer holds: "found overtop zone".
  bytes.set(encodePszBuffer({ sig: zoneSignature(PstoreType.DMESG), datalen: 9999, start: 0 }), 4096);
  fs.writeFileSync(image, bytes);
  const r = runCli(['inspect', '-i', image, '--kmsg-size', '4']);
  assert.equal(r.status, 3, 'no records');
  assert.match(r.stdout.toString(), /^kmsg\s+1\s+0x1000\s+4096\s+ok\s+9999\s+0\s+overtop$/m);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], 'mmcpstore: warning: kmsg zone 1 skipped (overtop): found overtop zone: dmesg: id 1, off 4096, size 4084');
  assert.match(lines[1]!, /^mmcpstore: no valid pstore data found in '.*overtop\.img' \(4 zones\)$/);
});
