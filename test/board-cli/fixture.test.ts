/**
 * fixtures/card-64m-panic-pmsg-console: a 64 MiB card written by mkimage + panic + pmsg + console
 * (the emulated board), read by Linux 6.12 with the whole image as its SD card. Our card-path
 * recover must show the same files, bytes and dmesg times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZONES, mmcpstore, sha256File, tmpDir } from './helpers.js';
import { fixtureSidecar, kernelReadDir, unpackFixture } from '../helpers/fixtures.js';

const NAME = 'card-64m-panic-pmsg-console';

interface Sidecar {
  image_sha256: string;
  blkdev: string;
  module_params: Record<string, number | string>;
  records_reported_by_kernel: { name: string; size: number; mtime: number; sha256: string }[];
}

test(`${NAME}: card-path recover equals what the kernel showed`, () => {
  const side = fixtureSidecar(NAME) as Sidecar;
  const d = tmpDir('fixture');
  const img = unpackFixture(NAME, d);
  assert.equal(sha256File(img), side.image_sha256);
  for (const [how, extra] of [['PARTLABEL', []], ['blkdev', ['--blkdev', side.blkdev]]] as const) {
    const out = path.join(d, `out-${how}`);
    const r = mmcpstore(['recover', '--image', img, ...ZONES, '--out', out, '-q', ...extra]);
    assert.equal(r.status, 0, r.stderr);
    const ours = fs.readdirSync(out).sort();
    assert.deepEqual(ours, side.records_reported_by_kernel.map((k) => k.name).sort(), how);
    for (const k of side.records_reported_by_kernel) {
      const mine = fs.readFileSync(path.join(out, k.name));
      assert.deepEqual(mine, fs.readFileSync(path.join(kernelReadDir(NAME), k.name)), `${how}: ${k.name} bytes`);
      assert.equal(mine.length, k.size);
      // pmsg/console: Linux shows its read time; dmesg: the record time
      if (k.name.startsWith('dmesg-')) assert.equal(Math.floor(fs.statSync(path.join(out, k.name)).mtimeMs / 1000), k.mtime, `${k.name} mtime`);
    }
  }
  assert.equal(sha256File(img), side.image_sha256, 'reading did not change the card');
});
