/**
 * Salvage: text back from deliberately damaged copies of kernel fixtures
 * (truncated and corrupt deflate, damaged header, erased zone, a ring header
 * that aborts the kernel's recovery), nothing extra from undamaged ones, and
 * `recover --salvage --out` keeping kernel-exact files apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MemoryRegion,
  PstoreCore,
  PSZ_BUFFER,
  decodePszBuffer,
  genericBlkDevice,
  registerPstoreDevice,
  salvageZones,
  partialInflate,
  SALVAGE_LIMIT,
  type SalvagedRecord,
} from '../../src/zone/index.js';
import { listFixtures, loadFixture, type Fixture } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { generateImage } from './helpers.js';

function salvage(fx: Fixture, image: Uint8Array): { files: ReturnType<PstoreCore['readFiles']>; salvaged: SalvagedRecord[] } {
  const region = new MemoryRegion(image);
  const reg = registerPstoreDevice(genericBlkDevice(region), fx.params, { nrCpus: fx.cpus });
  const core = new PstoreCore(reg.zone);
  let files: ReturnType<PstoreCore['readFiles']> = [];
  try {
    files = core.readFiles();
  } catch {
    /* recovery aborted: the kernel shows nothing */
  }
  const salvaged = salvageZones({ read: (b, p) => region.readAt(b, p), layout: reg.zone.layout, verdicts: reg.zone.verdicts, files, recovered: reg.zone.recovered });
  return { files, salvaged };
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const setI32 = (img: Uint8Array, at: number, v: number): void => new DataView(img.buffer, img.byteOffset).setInt32(at, v, true);

for (const name of listFixtures()) {
  test(`nothing beyond the kernel-exact records on the undamaged fixture ${name}`, () => {
    const fx = loadFixture(name);
    const { files, salvaged } = salvage(fx, fx.image.slice());
    assert.ok(files.length > 0);
    if (name === 'engine-2m-mixed-ftrace4') {
      // Its rings were rewritten by a second boot with less text: boot 1's lines are still after datalen.
      assert.deepEqual(salvaged.map((s) => s.name), ['salvaged/pmsg-pstore_blk-0.stale.txt', 'salvaged/console-pstore_blk-0.stale.txt']);
      assert.match(text(salvaged[0]!.data), /^(.*\n)?ENGINE-FX4 boot 1 pmsg\n/);
      assert.doesNotMatch(text(salvaged[0]!.data), /boot 2/);
      assert.match(salvaged[1]!.reason, /after datalen 780 in a ring that never wrapped/);
    } else assert.deepEqual(salvaged.map((s) => s.name), []);
  });
}

test('a truncated deflate stream: the text before the cut, a prefix of the kernel\'s record', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const img = fx.image.slice();
  const zoneOff = 65536; // zone 1
  const datalen = decodePszBuffer(img, zoneOff).datalen;
  setI32(img, zoneOff + 4, 40 + Math.floor((datalen - 40) / 2));
  const { files, salvaged } = salvage(fx, img);
  assert.ok(files.some((f) => f.name === 'dmesg-pstore_blk-1.enc.z'), 'the kernel keeps it compressed');
  const s = salvaged.find((r) => r.name === 'salvaged/dmesg-pstore_blk-1.txt');
  assert.ok(s, salvaged.map((r) => r.name).join());
  const kernel = text(fx.kernelFiles.get('dmesg-pstore_blk-1')!);
  assert.ok(s.data.length > 2000, `recovered ${s.data.length} bytes`);
  assert.ok(kernel.startsWith(text(s.data)), 'exactly the start of the kernel text');
  assert.match(s.reason, /does not inflate.*decoded before the damage: deflate stream truncated/);
  assert.equal(salvaged.length, 1, 'only the damaged record');
});

test('a corrupt deflate stream: decoded up to the damage', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const img = fx.image.slice();
  const datalen = decodePszBuffer(img, 0).datalen;
  const mid = 52 + Math.floor((datalen - 40) * 0.6);
  img.fill(0xff, mid, mid + 16);
  const { salvaged } = salvage(fx, img);
  const s = salvaged.find((r) => r.name === 'salvaged/dmesg-pstore_blk-0.txt')!;
  assert.ok(s.data.length > 1000);
  assert.ok(text(fx.kernelFiles.get('dmesg-pstore_blk-0')!).startsWith(text(s.data).slice(0, -64)), 'a prefix of the kernel text (the last bytes before the damage may differ)');
});

test('a damaged zone signature: the whole record, as the kernel would have shown it', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const img = fx.image.slice();
  img.fill(0, 2 * 65536, 2 * 65536 + 4);
  const { files, salvaged } = salvage(fx, img);
  assert.ok(!files.some((f) => f.name.startsWith('dmesg-pstore_blk-2')), 'the kernel skips it');
  const s = salvaged.find((r) => r.name === 'salvaged/dmesg-pstore_blk-2.txt')!;
  assert.equal(text(s.data), text(fx.kernelFiles.get('dmesg-pstore_blk-2')!));
  assert.match(s.reason, /signature damaged/);
  const rec = fx.sidecar.records_reported_by_kernel.find((r) => r.name === 'dmesg-pstore_blk-2') as unknown as { reason: string };
  assert.equal(s.reasonName, rec.reason);
});

test('an erased dmesg zone (datalen 0): compressed inflates to the end of stream; plain ends at the zero fill', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const img = fx.image.slice();
  setI32(img, 3 * 65536 + 4, 0);
  const s = salvage(fx, img).salvaged.find((r) => r.name === 'salvaged/dmesg-pstore_blk-3.txt')!;
  assert.equal(text(s.data), text(fx.kernelFiles.get('dmesg-pstore_blk-3')!));
  assert.match(s.reason, /^erased record .*inflated to the end of its deflate stream/);

  const plain = loadFixture('virtio-1m-kmsg64-plain');
  const pimg = plain.image.slice();
  setI32(pimg, 0 + 4, 0);
  const p = salvage(plain, pimg).salvaged.find((r) => r.name === 'salvaged/dmesg-pstore_blk-0.txt')!;
  const kernel = text(plain.kernelFiles.get('dmesg-pstore_blk-0')!);
  assert.ok(kernel.endsWith(text(p.data)) && kernel.length - p.data.length < 40, 'the kernel text without its "Oops: Total N times" line');
  assert.match(p.reason, /text up to the zero fill/);
});

test('a ring header with start > datalen aborts the kernel\'s recovery; every intact zone is salvaged on its own', () => {
  const fx = loadFixture('engine-512k-pmsg-console-wrap');
  const img = fx.image.slice();
  const con = 65536; // console zone after the 64 KiB pmsg zone
  setI32(img, con + 4, 100);
  setI32(img, con + 8, 200);
  const { files, salvaged } = salvage(fx, img);
  assert.deepEqual(files, [], 'the kernel shows nothing');
  const names = salvaged.map((s) => s.name);
  for (const k of fx.kernelFiles.keys()) {
    if (!k.startsWith('dmesg')) continue;
    const s = salvaged.find((r) => r.name === `salvaged/${k}.txt`);
    assert.ok(s, `${k} salvaged (${names.join(', ')})`);
    assert.equal(text(s.data), text(fx.kernelFiles.get(k)!));
    assert.match(s.reason, /recovery aborted on another zone/);
  }
  const pm = salvaged.find((r) => r.name === 'salvaged/pmsg-pstore_blk-0.txt')!;
  assert.equal(text(pm.data), text(fx.kernelFiles.get('pmsg-pstore_blk-0')!).replace(/^[\0\xff]+|[\0\xff]+$/g, ''));
  const cs = salvaged.find((r) => r.name === 'salvaged/console-pstore_blk-0.txt')!;
  assert.match(cs.reason, /start 200 > datalen 100/);
  assert.ok(cs.data.length > 100);
});

test('stale bytes after datalen in a ring that never wrapped are salvaged separately', () => {
  const fx = loadFixture('virtio-1m-kmsg64-plain');
  const g = generateImage({ kmsgKib: 8, pmsgKib: 8, consoleKib: 0, ftraceKib: 0, cpus: 1, kmsgZones: 2, tailPages: 0 });
  const hdr = decodePszBuffer(g.image, 0); // pmsg, not wrapped
  assert.equal(hdr.datalen, hdr.start);
  g.image.set(new TextEncoder().encode('old pmsg line from an earlier boot\n'), PSZ_BUFFER.size + hdr.datalen + 100);
  const s = salvage({ ...fx, params: g.params, cpus: 1 }, g.image).salvaged;
  assert.deepEqual(s.map((r) => r.name), ['salvaged/pmsg-pstore_blk-0.stale.txt']);
  assert.equal(text(s[0]!.data), 'old pmsg line from an earlier boot\n');
});

test('partial inflate never produces more than its limit (decompression bomb)', () => {
  const zeros = new Uint8Array(8 * 1024 * 1024);
  const bomb = new Uint8Array(Buffer.from(require_deflate(zeros)));
  const r = partialInflate(bomb, SALVAGE_LIMIT);
  assert.equal(r.data.length, SALVAGE_LIMIT);
  assert.equal(r.complete, false);
  assert.match(r.stopped!, /output limit/);
});

function require_deflate(b: Uint8Array): Uint8Array {
  // node:zlib is fine for making test input.
  return new Uint8Array(zlib.deflateRawSync(b));
}
import * as zlib from 'node:zlib';

test('recover --salvage --out: kernel-exact files stay diff-clean, salvaged ones go to DIR/salvaged/', (t) => {
  const dir = tempDir(t);
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const img = fx.image.slice();
  img.fill(0, 65536, 65536 + 4); // zone 1: signature damaged
  const image = path.join(dir, 'damaged.img');
  fs.writeFileSync(image, img);
  const out = path.join(dir, 'out');
  const r = runCli(['recover', '-i', image, '--salvage', '--out', out, '--kmsg-size', '64']);
  assert.equal(r.status, 0, r.stderr);
  const top = fs.readdirSync(out).sort();
  assert.deepEqual(top, [...[...fx.kernelFiles.keys()].filter((n) => n !== 'dmesg-pstore_blk-1'), 'salvaged'].sort());
  for (const n of top) if (n !== 'salvaged') assert.ok(fs.readFileSync(path.join(out, n)).equals(fx.kernelFiles.get(n)!), `${n} is the kernel's`);
  assert.deepEqual(fs.readdirSync(path.join(out, 'salvaged')), ['dmesg-pstore_blk-1.txt']);
  assert.ok(fs.readFileSync(path.join(out, 'salvaged', 'dmesg-pstore_blk-1.txt')).equals(fx.kernelFiles.get('dmesg-pstore_blk-1')!));
  const again = runCli(['recover', '-i', image, '--salvage', '--out', out, '--force', '--kmsg-size', '64']);
  assert.equal(again.status, 0, again.stderr);
  const json = runCli(['recover', '-i', image, '--salvage', '--json', '--kmsg-size', '64']);
  const lines = json.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { name: string; salvaged?: boolean; reason: string });
  const sv = lines.filter((l) => l.salvaged);
  assert.deepEqual(sv.map((l) => l.name), ['salvaged/dmesg-pstore_blk-1.txt']);
  assert.match(sv[0]!.reason, /signature damaged/);
  const plain = runCli(['recover', '-i', image, '--kmsg-size', '64', '-q']);
  assert.doesNotMatch(plain.stdout.toString('latin1'), /salvaged/, 'nothing salvaged without --salvage');
});
