/**
 * Whole-disk images with pstore regions the kernel wrote, in partitions not labelled pstore and
 * outside every partition: inspect and recover read the regions detect finds, each with its own
 * bounds and parameters (all of them, each named, or one with --region N); detect's command
 * lines run as pasted, for paths that need quoting and for dumps cut short.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { encodeGpt, type GptLayout } from '../../src/driver/mmc/partitions/index.js';
import { loadFixture, type Fixture } from '../helpers/fixtures.js';
import { cliArgv } from '../helpers/run-cli.js';
import { cleanEnv, runCli, tempDir } from './helpers.js';

const MiB = 1 << 20;
const DISK = 8 * MiB;
const SECTOR = 512;
/** Linux filesystem data: any type but a pstore one; the labels are what matter. */
const TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

interface Placed {
  fx: Fixture;
  offset: number;
  /** GPT partition number, or null: outside every partition. */
  number: number | null;
  name: string;
}

/**
 * An 8 MiB disk: p1 "crash-a" (1 MiB at 1 MiB) and p2 "logs 'b'" (256 KiB at 3 MiB), both
 * holding kernel-written regions, and a third kernel-written region at 5 MiB in no partition.
 */
function buildDisk(file: string): Placed[] {
  const placed: Placed[] = [
    { fx: loadFixture('virtio-1m-kmsg64-deflate'), offset: 1 * MiB, number: 1, name: 'p1-crash-a' },
    { fx: loadFixture('mmc-256k-kmsg64-wrap'), offset: 3 * MiB, number: 2, name: 'p2-logs_b' },
    { fx: loadFixture('virtio-1m-kmsg64-plain'), offset: 5 * MiB, number: null, name: 'at-0x500000' },
  ];
  const layout: GptLayout = {
    diskGuid: '11111111-2222-4333-8444-555555555555',
    partitions: [
      { number: 1, typeGuid: TYPE, uniqueGuid: '11111111-2222-4333-8444-000000000001', name: 'crash-a', firstLba: MiB / SECTOR, lastLba: (2 * MiB) / SECTOR - 1 },
      { number: 2, typeGuid: TYPE, uniqueGuid: '11111111-2222-4333-8444-000000000002', name: "logs 'b'", firstLba: (3 * MiB) / SECTOR, lastLba: (3 * MiB + 256 * 1024) / SECTOR - 1 },
    ],
  };
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, DISK);
    for (const w of encodeGpt(layout, DISK / SECTOR)) fs.writeSync(fd, w.bytes, 0, w.bytes.length, w.lba * SECTOR);
    for (const p of placed) fs.writeSync(fd, p.fx.image, 0, p.fx.image.length, p.offset);
  } finally {
    fs.closeSync(fd);
  }
  return placed;
}

/** Every file the kernel showed for the fixture, byte for byte, in `dir`. */
function assertKernelFiles(dir: string, fx: Fixture): void {
  for (const [name, bytes] of fx.kernelFiles) {
    const file = path.join(dir, name);
    assert.ok(fs.existsSync(file), `${file} missing; have ${fs.existsSync(dir) ? fs.readdirSync(dir).join(', ') : 'no directory'}`);
    assert.deepEqual(fs.readFileSync(file), bytes, file);
  }
}

describe('a whole-disk image with unlabelled partitions and a raw region', () => {
  it('recover --out writes every region into its own named folder, each as the kernel read it', (t) => {
    const dir = tempDir(t);
    const disk = path.join(dir, 'disk.img');
    const placed = buildDisk(disk);
    const out = path.join(dir, 'out');
    const r = runCli(['recover', '-i', disk, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), placed.map((p) => p.name).sort());
    for (const p of placed) assertKernelFiles(path.join(out, p.name), p.fx);
  });

  it('recover to stdout names the region in each banner and each JSON line; inspect --json lists the regions', (t) => {
    const dir = tempDir(t);
    const disk = path.join(dir, 'disk.img');
    const placed = buildDisk(disk);
    const text = runCli(['recover', '-i', disk]);
    assert.equal(text.status, 0, text.stderr);
    for (const p of placed) {
      assert.match(text.stderr, new RegExp(`==> region ${placed.indexOf(p) + 1} of 3: ${p.name} \\(bytes ${p.offset}\\.\\.`));
      for (const name of p.fx.kernelFiles.keys()) assert.ok(text.stderr.includes(`==> ${p.name}: ${name} (`), `banner of ${p.name}/${name}`);
    }
    const json = runCli(['recover', '-i', disk, '--json']);
    assert.equal(json.status, 0, json.stderr);
    const lines = json.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { region: string; name: string; data: string; encoding: string });
    for (const p of placed) {
      const mine = lines.filter((l) => l.region === p.name);
      assert.deepEqual(mine.map((l) => l.name).sort(), [...p.fx.kernelFiles.keys()].sort());
      for (const l of mine) assert.deepEqual(Buffer.from(l.data, l.encoding === 'base64' ? 'base64' : 'utf8'), p.fx.kernelFiles.get(l.name));
    }
    const ins = runCli(['inspect', '-i', disk, '--json']);
    assert.equal(ins.status, 0, ins.stderr);
    const reports = ins.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { region: { index: number; name: string; offset: number; size: number; bounds: string; partition: { number: number } | null }; image: { offset: number }; params: { requested: { kmsgSize: number } }; records: { name: string }[] });
    assert.equal(reports.length, 3, 'one JSON object per region, one per line');
    reports.forEach((rep, i) => {
      const p = placed[i]!;
      assert.equal(rep.region.index, i + 1);
      assert.equal(rep.region.name, p.name);
      assert.equal(rep.region.offset, p.offset);
      assert.equal(rep.image.offset, p.offset, 'the region is read from its own start');
      assert.equal(rep.region.bounds, p.number === null ? 'signatures' : 'partition');
      assert.equal(rep.region.partition?.number ?? null, p.number);
      assert.equal(rep.params.requested.kmsgSize, p.fx.params.kmsgSize);
      assert.deepEqual(rep.records.map((x) => x.name).sort(), [...p.fx.kernelFiles.keys()].sort());
    });
    const human = runCli(['inspect', '-i', disk]);
    assert.equal(human.status, 0, human.stderr);
    for (const p of placed) assert.match(human.stdout.toString(), new RegExp(`==> region \\d of 3: ${p.name} `));
  });

  it('--region N reads that region alone, as detect numbers them; a number past the last is a usage error', (t) => {
    const dir = tempDir(t);
    const disk = path.join(dir, 'disk.img');
    const placed = buildDisk(disk);
    const out = path.join(dir, 'two');
    const r = runCli(['recover', '-i', disk, '--region', '2', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assertKernelFiles(out, placed[1]!.fx);
    assert.deepEqual(fs.readdirSync(out).sort(), [...placed[1]!.fx.kernelFiles.keys()].sort(), 'no subfolder for one region');
    const ins = runCli(['inspect', '-i', disk, '--region', '3', '--json']);
    assert.equal(ins.status, 0, ins.stderr);
    const rep = JSON.parse(ins.stdout.toString()) as { region: { name: string }; records: unknown[] };
    assert.equal(rep.region.name, placed[2]!.name);
    const past = runCli(['recover', '-i', disk, '--region', '4']);
    assert.equal(past.status, 2);
    assert.match(past.stderr, /--region 4: '.*disk\.img' has 3 regions \(1\.\.3\)/);
    assert.equal(past.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
    const both = runCli(['inspect', '-i', disk, '--region', '1', '--offset', '0']);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--region|--offset/);
    const zero = runCli(['inspect', '-i', disk, '--region', '0']);
    assert.equal(zero.status, 2);
    // A character device is no image at all: refused in one line before any region is looked for.
    const dev = runCli(['inspect', '-i', '/dev/null', '--region', '1']);
    assert.equal(dev.status, 66);
    assert.equal(dev.stderr, "mmcpstore: '/dev/null' is a character device, not an image file, block device or pipe\n");
  });

  it('a region whose recovery finds nothing is a warning while another region has records; nothing anywhere is exit 3', (t) => {
    const dir = tempDir(t);
    const disk = path.join(dir, 'disk.img');
    const placed = buildDisk(disk);
    // Erase every signature of region 2 but its first zone's, then that one's kmsg magic: a
    // region detect still finds, whose records the kernel would all skip.
    const fd = fs.openSync(disk, 'r+');
    const p2 = placed[1]!;
    for (let z = 0; z < p2.fx.image.length; z += 65536) fs.writeSync(fd, new Uint8Array(12 + 4), 0, z === 0 ? 0 : 16, p2.offset + z);
    fs.writeSync(fd, new Uint8Array(4), 0, 4, p2.offset + 12);
    fs.closeSync(fd);
    const r = runCli(['recover', '-i', disk, '--out', path.join(dir, 'o')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: region 2 \(p2-logs_b\): /);
    assertKernelFiles(path.join(dir, 'o', placed[0]!.name), placed[0]!.fx);
  });
});

describe("detect's command lines", () => {
  /** `mmcpstore` as a shell function running this checkout's bundle. */
  const preamble = (): string => `mmcpstore() { ${[process.execPath, ...cliArgv([], 'bin')].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')} "$@"; }`;

  function pasted(line: string, args: string): { status: number | null; stdout: string; stderr: string } {
    const cmd = line.replace(/^region \d+: /, '') + args;
    const r = spawnSync('sh', ['-c', `${preamble()}\n${cmd}`], { env: cleanEnv() });
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }

  it('are shell-quoted and run as pasted, for a path with spaces and quotes', (t) => {
    const dir = tempDir(t);
    const disk = path.join(dir, `it's a "disk" $HOME.img`);
    const placed = buildDisk(disk);
    const d = runCli(['detect', '-i', disk]);
    assert.equal(d.status, 0, d.stderr);
    const lines = d.stdout.toString().split('\n').filter((l) => /^region \d+: mmcpstore inspect /.test(l));
    assert.equal(lines.length, 3, d.stdout.toString());
    lines.forEach((line, i) => {
      const r = pasted(line, ' --json');
      assert.equal(r.status, 0, `${line}\n${r.stderr}`);
      const rep = JSON.parse(r.stdout) as { image: { path: string; offset: number }; records: { name: string }[] };
      assert.equal(rep.image.path, disk);
      assert.equal(rep.image.offset, placed[i]!.offset);
      assert.deepEqual(rep.records.map((x) => x.name).sort(), [...placed[i]!.fx.kernelFiles.keys()].sort());
    });
    const json = JSON.parse(runCli(['detect', '-i', disk, '--json']).stdout.toString()) as { regions: { argv: string[]; args: string }[] };
    assert.deepEqual(json.regions[0]!.argv.slice(0, 4), ['--offset', String(MiB), '--size', String(MiB)]);
  });

  it('read a dump cut short inside a partition: the region is what the image holds, cut to 4 KiB', (t) => {
    const dir = tempDir(t);
    const disk = path.join(dir, 'cut.img');
    const placed = buildDisk(disk);
    // The dump ends 3 KiB into the second half of p1 (the region's last 4 KiB page is partial).
    const end = MiB + 512 * 1024 + 3 * 1024;
    fs.truncateSync(disk, end);
    const d = runCli(['detect', '-i', disk]);
    assert.equal(d.status, 0, d.stderr);
    const out = d.stdout.toString();
    assert.match(out, /truncated: the image ends inside the region; --size is the 524288 bytes it holds of the 1048576-byte partition/);
    const line = out.split('\n').find((l) => l.startsWith('region 1: '))!;
    assert.match(line, /--offset 1048576 --size 524288 /);
    const r = pasted(line, ' --json');
    assert.ok(r.status === 0 || r.status === 3, `${line}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /does not fit|refuses/);
    const rep = JSON.parse(r.stdout) as { records: { name: string }[]; recovery: { ok: boolean } };
    assert.equal(rep.recovery.ok, true);
    // Zones that lie wholly in what the dump kept read as the kernel read them.
    const kept = [...placed[0]!.fx.kernelFiles.keys()].filter((n) => n.startsWith('dmesg-') && Number(n.split('-').pop()) * 65536 + 65536 <= 524288);
    for (const n of kept) assert.ok(rep.records.some((x) => x.name === n), `${n} kept`);
    // recover and inspect with no region named read the cut region too.
    const rec = runCli(['recover', '-i', disk, '--region', '1', '--out', path.join(dir, 'o')]);
    assert.equal(rec.status, 0, rec.stderr);
    for (const n of kept) assert.deepEqual(fs.readFileSync(path.join(dir, 'o', n)), placed[0]!.fx.kernelFiles.get(n));
  });
});

describe('the images mkimage --layout qemu makes', () => {
  it('detect finds the GPT after boot0|boot1|RPMB and the region in an unlabelled partition; recover reads it', (t) => {
    const dir = tempDir(t);
    const card = path.join(dir, 'qemu.img');
    assert.equal(runCli(['mkimage', '-i', card, '--size', '16M', '--layout', 'qemu', '--label', 'crashlog']).status, 0);
    const panic = runCli(['panic', '-i', card, '--blkdev', '/dev/mmcblk0p6', '-m', 'qemu layout panic', '-q']);
    assert.equal(panic.status, 0, panic.stderr);
    const d = runCli(['detect', '-i', card, '--json']);
    assert.equal(d.status, 0, d.stderr);
    const rep = JSON.parse(d.stdout.toString()) as { table: { scheme: string; layout: string; userOffset: number }; regions: { offset: number; partition: { number: number; label: string } | null }[] };
    const qemuUser = 2 * MiB + 128 * 1024;
    assert.deepEqual(rep.table, { ...rep.table, scheme: 'gpt', layout: 'qemu', userOffset: qemuUser });
    assert.equal(rep.regions.length, 1);
    assert.deepEqual(rep.regions[0]!.partition && { number: rep.regions[0]!.partition.number, label: rep.regions[0]!.partition.label }, { number: 6, label: 'crashlog' });
    assert.equal((rep.regions[0]!.offset - qemuUser) % SECTOR, 0);
    const r = runCli(['recover', '-i', card]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.toString(), /Kernel panic - not syncing: qemu layout panic/);
  });
});
