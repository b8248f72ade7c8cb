/**
 * fixtures/card-*: cards written by the emulated board (mkimage, then panic, oops, pmsg, console),
 * read by a real Linux with the whole image as its SD card: card-64m-panic-pmsg-console by 6.12,
 * card-61-64m-oops-panic (written with --kernel 6.1) by 6.1. Our card-path recover must show the
 * same files, bytes and dmesg times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mmcpstore, sha256File, tmpDir } from './helpers.js';
import { fixtureSidecar, kernelReadDir, unpackFixture } from '../helpers/fixtures.js';
import { FIXTURES_DIR } from '../helpers/paths.js';

/** Whole-card fixtures: each a card our board wrote, read by a real kernel as its SD card. */
const CARDS = fs
  .readdirSync(FIXTURES_DIR)
  .filter((f) => f.startsWith('card-') && f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

interface Sidecar {
  image_sha256: string;
  blkdev: string;
  kernel: string;
  module_params: Record<string, number | string>;
  records_reported_by_kernel: { name: string; size: number; mtime: number; sha256: string }[];
}

/** The zone sizes the kernel was given, as our flags. */
function zoneFlags(side: Sidecar): string[] {
  const out: string[] = [];
  for (const [param, flag] of [['kmsg_size', 'kmsg-size'], ['pmsg_size', 'pmsg-size'], ['console_size', 'console-size']] as const) {
    const v = side.module_params[`pstore_blk.${param}`];
    if (typeof v === 'number' && v > 0) out.push(`--${flag}`, String(v));
  }
  return out;
}

test('the whole-card fixtures include one per kernel era (6.12 and 6.1)', () => {
  const kernels = CARDS.map((n) => (fixtureSidecar(n) as unknown as Sidecar).kernel.split('.').slice(0, 2).join('.'));
  assert.ok(kernels.includes('6.12') && kernels.includes('6.1'), kernels.join(', '));
});

for (const NAME of CARDS) {
  test(`${NAME}: card-path recover equals what Linux ${(fixtureSidecar(NAME) as unknown as Sidecar).kernel} showed`, () => {
    const side = fixtureSidecar(NAME) as unknown as Sidecar;
    const d = tmpDir('fixture');
    const img = unpackFixture(NAME, d);
    assert.equal(sha256File(img), side.image_sha256);
    const zones = zoneFlags(side);
    for (const [how, extra] of [['PARTLABEL', []], ['blkdev', ['--blkdev', side.blkdev]]] as const) {
      const out = path.join(d, `out-${how}`);
      const r = mmcpstore(['recover', '--image', img, ...zones, '--out', out, '-q', ...extra]);
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
}
