/**
 * Every pstore compressor and the 32-bit layouts from the command line: the fixtures of
 * fixtures/crypto/ and fixtures/arch32/ recovered with nothing named (identification by trial,
 * the arch detected from the headers) and with the algorithm or arch named, each equal to its
 * NAME.expected/ folder; a wrong --compress; what inspect --json says; and the writers' side
 * (842 refused, a 5.15 board writing lz4).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { ImageReport } from '../../src/reader/report.js';
import { fixtureImage } from '../helpers/fixtures.js';
import { FIXTURES_DIR } from '../helpers/paths.js';
import { runCli, sha256, tempDir } from './helpers.js';

interface ExpectedRecord {
  name: string;
  algorithm?: string;
}

interface CryptoArchSidecar {
  arch: string;
  cpus: number;
  module_params: Record<string, number | string>;
  records_expected: ExpectedRecord[];
}

const CRYPTO = ['lz4', 'lz4hc', 'lzo', 'zstd'].map((alg) => ({ name: `crypto/crypto-256k-kmsg64-${alg}`, alg }));
const ARCH32 = ['arm', 'i386'].map((arch) => ({ name: `arch32/${arch}-64k-kmsg16-ftrace8`, arch }));

/** Gunzips fixtures/NAME.img.gz (NAME may be in a subfolder) into `dir`; returns its path. */
function unpack(name: string, dir: string): string {
  const out = path.join(dir, `${path.basename(name)}.img`);
  fs.writeFileSync(out, fixtureImage(name));
  return out;
}

function sidecarOf(name: string): CryptoArchSidecar {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, `${name}.json`), 'utf8')) as CryptoArchSidecar;
}

/**
 * The sidecar's module parameters and CPU count. The 32-bit images need them: `--params auto`
 * reads their zone signatures with the 64-bit layouts (the arch is decided after registration).
 */
function paramsOf(name: string): string[] {
  const s = sidecarOf(name);
  const line = Object.entries(s.module_params).map(([k, v]) => `${k}=${v}`).join(' ');
  return ['--params', line, '--cpus', String(s.cpus)];
}

/** `recover --out` into a fresh folder; returns it after checking the exit status. */
function recoverOut(image: string, dir: string, tag: string, extra: readonly string[]): string {
  const out = path.join(dir, tag);
  const r = runCli(['recover', '-i', image, '--out', out, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** The folder holds exactly the files of NAME.expected/, byte for byte. */
function assertSameFiles(got: string, name: string): void {
  const expected = path.join(FIXTURES_DIR, `${name}.expected`);
  const want = fs.readdirSync(expected).sort();
  assert.deepEqual(fs.readdirSync(got).sort(), want, `${name}: the record files`);
  for (const f of want) assert.equal(sha256(fs.readFileSync(path.join(got, f))), sha256(fs.readFileSync(path.join(expected, f))), `${name}: ${f}`);
}

function inspectJson(image: string, extra: readonly string[] = []): ImageReport {
  const r = runCli(['inspect', '-i', image, '--json', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.toString()) as ImageReport;
}

for (const { name, alg } of CRYPTO) {
  test(`${name}: recovered by trial and with --compress ${alg}, as NAME.expected/`, (t) => {
    const dir = tempDir(t);
    const image = unpack(name, dir);
    assertSameFiles(recoverOut(image, dir, 'trial', []), name);
    assertSameFiles(recoverOut(image, dir, 'given', ['--compress', alg]), name);
    assertSameFiles(recoverOut(image, dir, 'params', ['--params', `pstore_blk.kmsg_size=64 pstore.compress=${alg}`]), name);
  });
}

for (const { name, arch } of ARCH32) {
  test(`${name}: recovered with the arch detected and with --arch ${arch}, as NAME.expected/`, (t) => {
    const dir = tempDir(t);
    const image = unpack(name, dir);
    const params = paramsOf(name);
    assertSameFiles(recoverOut(image, dir, 'detected', params), name);
    assertSameFiles(recoverOut(image, dir, 'given', [...params, '--arch', arch]), name);
  });
}

test('inspect --json names each record\'s algorithm and how it was chosen', (t) => {
  const dir = tempDir(t);
  const image = unpack('crypto/crypto-256k-kmsg64-lzo', dir);
  const trial = inspectJson(image);
  assert.deepEqual(
    trial.records.map((r) => [r.name, r.algorithm, r.algorithmSource, r.compressed]),
    sidecarOf('crypto/crypto-256k-kmsg64-lzo').records_expected.map((e) => [e.name, 'lzo', 'trial', false]),
  );
  assert.equal(trial.params.compress, 'deflate', 'nothing named: the default pstore.compress');
  const given = inspectJson(image, ['--compress', 'lzo']);
  assert.deepEqual(given.records.map((r) => [r.algorithm, r.algorithmSource]), [['lzo', 'given'], ['lzo', 'given']]);
  assert.equal(given.params.compress, 'lzo');
  // lz4hc writes lz4 blocks: a trial can only say lz4; named, it is lz4hc.
  const hc = unpack('crypto/crypto-256k-kmsg64-lz4hc', dir);
  assert.deepEqual(inspectJson(hc).records.map((r) => r.algorithm), ['lz4', 'lz4']);
  assert.deepEqual(inspectJson(hc, ['--compress', 'lz4hc']).records.map((r) => r.algorithm), ['lz4hc', 'lz4hc']);
  // The text report names them too.
  const text = runCli(['inspect', '-i', image, '--color', 'never']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout.toString(), /COMPRESS/);
  assert.match(text.stdout.toString(), /dmesg-pstore_blk-0 .* lzo \(trial\)\n/);
});

test('inspect --json and the text report say which arch and why', (t) => {
  const dir = tempDir(t);
  for (const { name, arch } of ARCH32) {
    const image = unpack(name, dir);
    const params = paramsOf(name);
    const detected = inspectJson(image, params);
    assert.equal(detected.arch, arch);
    assert.match(detected.archEvidence, new RegExp(`^${arch}: `));
    const given = inspectJson(image, [...params, '--arch', arch]);
    assert.equal(given.arch, arch);
    assert.equal(given.archEvidence, 'given');
    const text = runCli(['inspect', '-i', image, '--color', 'never', ...params]).stdout.toString();
    assert.match(text, new RegExp(`^arch +${arch} \\(${arch}: .*\\)$`, 'm'));
  }
  const plain = unpack('virtio-1m-kmsg64-plain', dir);
  assert.equal(inspectJson(plain).arch, 'x86_64', 'nothing says 32-bit: the 64-bit default');
});

test('a wrong --compress leaves the records .enc.z, with the decoder\'s reason', (t) => {
  const dir = tempDir(t);
  const image = unpack('crypto/crypto-256k-kmsg64-lz4', dir);
  const out = path.join(dir, 'out');
  const r = runCli(['recover', '-i', image, '--compress', 'zstd', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['dmesg-pstore_blk-0.enc.z', 'dmesg-pstore_blk-1.enc.z']);
  assert.match(r.stderr, /dmesg-pstore_blk-0\.enc\.z: crypto_comp_decompress\(\) failed: zstd: .*; the record is kept compressed/);
  const report = inspectJson(image, ['--compress', 'zstd']);
  for (const rec of report.records) {
    assert.equal(rec.compressed, true);
    assert.equal(rec.algorithm, 'zstd');
    assert.equal(rec.algorithmSource, 'given');
    assert.equal(rec.trials, undefined, 'named: no other algorithm is tried');
    assert.match(rec.notes.join('\n'), /zstd/);
  }
  // 842 is never decoded: named, every compressed record stays .enc.z and says why.
  const r842 = runCli(['recover', '-i', image, '--compress', '842', '--json']);
  assert.equal(r842.status, 0, r842.stderr);
  for (const line of r842.stdout.toString().trim().split('\n')) {
    const rec = JSON.parse(line) as { name: string; algorithm: string; compressed: boolean };
    assert.match(rec.name, /\.enc\.z$/);
    assert.deepEqual([rec.algorithm, rec.compressed], ['842', true]);
  }
  assert.match(r842.stderr, /842 is not decoded/);
});

test('a record no algorithm decodes stays .enc.z, and --json lists why each trial failed', (t) => {
  const dir = tempDir(t);
  const image = unpack('crypto/crypto-256k-kmsg64-lz4', dir);
  // Damage the lz4 stream of the first dump (zone 0: psz_buffer, the kmsg header, then the payload).
  const bytes = fs.readFileSync(image);
  bytes.fill(0xff, 12 + 40 + 200, 12 + 40 + 400);
  fs.writeFileSync(image, bytes);
  const report = inspectJson(image, ['--kmsg-size', '64']);
  const bad = report.records.find((r) => r.id === 0)!;
  assert.equal(bad.name, 'dmesg-pstore_blk-0.enc.z');
  assert.equal(bad.algorithm, 'deflate', 'the default tried first');
  assert.equal(bad.algorithmSource, 'default');
  assert.deepEqual(bad.trials?.map((x) => x.split(':')[0]), ['zstd', 'lzo', 'lz4']);
  const rec = runCli(['recover', '-i', image, '--kmsg-size', '64', '--json']);
  const lines = rec.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { name: string; trials?: string[]; algorithm?: string });
  assert.deepEqual(lines.find((l) => l.name === bad.name)?.trials, bad.trials);
  assert.equal(lines.find((l) => l.name === 'dmesg-pstore_blk-1')?.algorithm, 'lz4');
});

test('writers: --compress 842 is refused before the board boots (exit 2, one line)', (t) => {
  const dir = tempDir(t);
  const card = path.join(dir, 'card.img');
  const mk = runCli(['mkimage', '-i', card, '--size', '16M', '--pstore-size', '1M'], { env: { SOURCE_DATE_EPOCH: '1735689600' } });
  assert.equal(mk.status, 0, mk.stderr);
  const before = sha256(fs.readFileSync(card));
  for (const cmd of ['panic', 'oops']) {
    const r = runCli([cmd, '-i', card, '--kernel', '5.15', '--compress', '842']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /--compress 842: writing 842-compressed records is not supported \(deflate, lz4, lz4hc, lzo, zstd or none are\)/);
  }
  assert.equal(sha256(fs.readFileSync(card)), before, 'nothing written');
});

test('a 5.15 board writes lz4 (mkimage + panic); recover gives the text back, inspect says lz4', (t) => {
  const dir = tempDir(t);
  const card = path.join(dir, 'card.img');
  const env = { SOURCE_DATE_EPOCH: '1735689600' };
  assert.equal(runCli(['mkimage', '-i', card, '--size', '16M', '--pstore-size', '1M'], { env }).status, 0);
  const message = 'lz4 written by a 5.15 kernel';
  const p = runCli(['panic', '-i', card, '--kernel', '5.15', '--compress', 'lz4', '-m', message, '--json'], { env });
  assert.equal(p.status, 0, p.stderr);
  const panic = JSON.parse(p.stdout.toString()) as { compress: string; panic: { compressed: boolean } };
  assert.equal(panic.compress, 'lz4');
  assert.equal(panic.panic.compressed, true);
  assert.match(p.stderr, /written: kmsg zone 0 .*\(lz4 \d+ bytes of \d+ bytes of text\)/);
  const r = runCli(['recover', '-i', card, '--kernel', '5.15', '--type', 'dmesg']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.toString(), new RegExp(`Kernel panic - not syncing: ${message}`));
  const report = inspectJson(card, ['--kernel', '5.15']);
  const dump = report.records.find((x) => x.reason === 'Panic')!;
  assert.equal(dump.name, 'dmesg-pstore_blk-0');
  assert.deepEqual([dump.algorithm, dump.algorithmSource], ['lz4', 'trial']);
});

test('a 6.6+ board falls back to deflate for any other algorithm, and says so', (t) => {
  const dir = tempDir(t);
  const card = path.join(dir, 'card.img');
  const env = { SOURCE_DATE_EPOCH: '1735689600' };
  assert.equal(runCli(['mkimage', '-i', card, '--size', '16M', '--pstore-size', '1M'], { env }).status, 0);
  const p = runCli(['panic', '-i', card, '--kernel', '6.12', '--compress', 'zstd', '--json'], { env });
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stderr, /warning: pstore: Unsupported compression 'zstd', falling back to deflate \(kernels from 6\.6 on know only deflate; --kernel 6\.5 or older writes zstd\)/);
  assert.equal((JSON.parse(p.stdout.toString()) as { compress: string }).compress, 'deflate');
  const report = inspectJson(card);
  assert.equal(report.records.find((x) => x.reason === 'Panic')?.algorithm, 'deflate');
});
