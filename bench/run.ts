/**
 * npm run bench: the speed and memory figures of docs/performance.md (issue 18's table).
 * Every figure is a whole process against a whole-process baseline run interleaved with it in
 * the same run (bench/measure.ts), so it holds on a noisy machine; measure on an idle one.
 * Prints a table with each baseline, ratio, target and verdict, and writes bench/results.json.
 *   --quick   small sizes and few runs (while developing: the verdicts then mean little)
 *   --tests   also time `npm test` (minutes)
 *   --only=startup,recovery,detect,data,card,other   those sections alone
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { buildCard, buildPstoreImage, buildRandomDump } from './images.js';
import { paired, peakRss, runOnce, type Argv } from './measure.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(ROOT, 'bin/mmcpstore.js');
const NODE = process.execPath;
const argv = new Set(process.argv.slice(2));
const QUICK = argv.has('--quick');
/** --only=startup,recovery,detect,data,card,other: those sections alone. */
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const want = (section: string): boolean => !ONLY || ONLY.includes(section);
const MiB = 1 << 20;
/** Interleaved pairs per figure. */
const RUNS = QUICK ? 3 : 11;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mmcpstore-bench-'));

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  /** What the baseline is. */
  against: string;
  ratio: number;
  /** The same ratio in CPU time (user + system), where measured. */
  cpuRatio?: number;
  target?: string;
  met?: boolean;
  note?: string;
}
const figures: Figure[] = [];
const add = (f: Figure): void => {
  figures.push(f);
  console.error(`  ${f.name}: ${f.ratio.toFixed(2)}x (cpu ${f.cpuRatio?.toFixed(2) ?? '-'}x)${f.met === undefined ? '' : f.met ? ' met' : ' MISSED'}`);
};
const cli = (...args: string[]): Argv => [NODE, BIN, ...args];

/** bench/procs/NAME.ts as one CommonJS file: a whole process that loads only what it uses. */
async function proc(name: string): Promise<string> {
  const outfile = path.join(work, `${name}.cjs`);
  await build({ entryPoints: [path.join(ROOT, `bench/procs/${name}.ts`)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  return outfile;
}

// ------------------------------------------------------------- 1. start-up
function startup(): void {
  const one = buildPstoreImage(work, 1, 64);
  const base: Argv = [NODE, '-e', '0'];
  for (const [name, args] of [
    ['inspect 1 MiB image', ['inspect', '--image', one.file, '--params', one.params]],
    ['recover 1 MiB image', ['recover', '--image', one.file, '--params', one.params, '--quiet']],
  ] as const) {
    const p = paired(base, cli(...args), RUNS * 2);
    add({ name: `start-up: ${name}`, value: p.ours, unit: 'ms', baseline: p.base, against: 'node -e 0', ratio: p.ratio, cpuRatio: p.cpuRatio, target: '<= 1.25x', met: p.ratio <= 1.25 });
  }
  const v = paired(base, cli('--version'), RUNS);
  add({ name: 'start-up: --version', value: v.ours, unit: 'ms', baseline: v.base, against: 'node -e 0', ratio: v.ratio, cpuRatio: v.cpuRatio });
}

// ------------------------------------------------------------- 2. recovery
async function recovery(): Promise<void> {
  const floor = await proc('recover-floor');
  const rssNode = peakRss([NODE, '-e', '0']);
  for (const mib of QUICK ? [16, 32] : [64, 128]) {
    const img = buildPstoreImage(work, mib);
    const ours = cli('recover', '--image', img.file, '--params', img.params, '--quiet');
    const p = paired([NODE, floor, img.file, String(img.kmsgBytes), String(img.ringBytes), String(img.ringBytes)], ours, Math.ceil(RUNS / 2));
    const mbps = (mib * MiB) / 1e6 / (p.ours / 1000);
    add({ name: `recover ${mib} MiB partition`, value: p.ours, unit: 'ms', baseline: p.base, against: 'floor: read + node:zlib inflate + write, whole process', ratio: 1 / p.ratio, cpuRatio: 1 / p.cpuRatio, target: 'throughput >= 0.9x', met: 1 / p.ratio >= 0.9, note: `${mbps.toFixed(0)} MB/s` });
    const rss = peakRss(ours);
    if (rss !== undefined && rssNode !== undefined) {
      const extra = (rss - rssNode) / 1024;
      add({ name: `recover ${mib} MiB: peak RSS`, value: rss / 1024, unit: 'MiB', baseline: rssNode / 1024, against: 'node -e 0', ratio: rss / rssNode, target: '<= node + 32 MiB', met: extra <= 32, note: `node + ${extra.toFixed(0)} MiB` });
    }
  }
}

// ------------------------------------------------------------- 3. detect
async function detect(): Promise<void> {
  const mib = QUICK ? 128 : 1024;
  const dump = buildRandomDump(work, mib, buildPstoreImage(work, QUICK ? 16 : 64).file);
  const p = paired(['cat', dump], cli('detect', '--image', dump), Math.ceil(RUNS / 2));
  add({ name: `detect: fully written ${mib} MiB dump (${(mib * 3) / 4} MiB random)`, value: p.ours, unit: 'ms', baseline: p.base, against: 'cat of it', ratio: p.ratio, cpuRatio: p.cpuRatio, target: '<= 1.3x', met: p.ratio <= 1.3 });
  const floor = await proc('scan-floor');
  const f = paired(['cat', dump], [NODE, floor, dump], Math.ceil(RUNS / 2));
  add({ name: 'detect: node floor (read 1 MiB chunks + one SIMD search each)', value: f.ours, unit: 'ms', baseline: f.base, against: 'cat of it', ratio: f.ratio, cpuRatio: f.cpuRatio, note: 'what node itself costs' });
  fs.rmSync(dump);
}

// ------------------------------------------------------------- 4. emulated data path
async function dataPath(): Promise<void> {
  const total = (QUICK ? 32 : 512) * MiB;
  const request = 128 << 10;
  const [fsIo, cardIo] = [await proc('fs-io'), await proc('card-io')];
  const file = path.join(work, 'card.img');
  // Both sides overwrite a file that is already fully written: no block allocation on either
  // side, so the baseline is as cheap as fs gets.
  const fd = fs.openSync(file, 'w');
  const zeros = new Uint8Array(16 * MiB);
  for (let off = 0; off < total + 16 * MiB; off += zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, off);
  fs.closeSync(fd);
  for (const [transfer, target] of [['adma2', 0.5], ['sdma', 0.4], ['pio', 0.1]] as const) {
    const p = paired([NODE, fsIo, file, String(total), String(request)], [NODE, cardIo, file, transfer, String(total), String(request)], QUICK ? 2 : 3);
    const mbps = (2 * total) / 1e6 / (p.ours / 1000);
    add({ name: `data path ${transfer}: write+read ${total / MiB} MiB in 128 KiB requests`, value: p.ours, unit: 'ms', baseline: p.base, against: 'fs in the same requests, whole process', ratio: 1 / p.ratio, cpuRatio: 1 / p.cpuRatio, target: `>= ${target}x`, met: 1 / p.ratio >= target, note: `${mbps.toFixed(0)} MB/s` });
  }
  fs.rmSync(file);
}

// ------------------------------------------------------------- 5. the 32 GiB card
function card(): void {
  const one = buildPstoreImage(work, 1, 64);
  const disk = path.join(work, 'sparse-32g.img');
  const blkdev = buildCard(disk, 32 * 1024 ** 3, one.file);
  const zones = ['--kmsg-size', '64', '--pmsg-size', '64', '--console-size', '64'];
  const p = paired(cli('recover', '--image', one.file, ...zones, '--quiet'), cli('recover', '--image', disk, '--blkdev', blkdev, ...zones, '--quiet'), RUNS);
  add({ name: 'recover: 32 GiB sparse card, 1 MiB pstore partition, through the emulated card', value: p.ours, unit: 'ms', baseline: p.base, against: 'the 1 MiB partition alone', ratio: p.ratio, cpuRatio: p.cpuRatio, target: '<= 1.15x', met: p.ratio <= 1.15 });
  const d = paired(cli('detect', '--image', one.file), cli('detect', '--image', disk), Math.ceil(RUNS / 2));
  add({ name: 'detect: the 32 GiB sparse card', value: d.ours, unit: 'ms', baseline: d.base, against: 'detect of the 1 MiB partition', ratio: d.ratio, cpuRatio: d.cpuRatio, note: 'holes are not read' });
  fs.rmSync(disk);
}

// ------------------------------------------------------------- 6. other figures (full runs)
function panicWrite(): void {
  const disk = path.join(work, 'panic-card.img');
  runOnce(cli('mkimage', '--image', disk, '--size', '64M', '--pstore-size', '4M', '--force'));
  const pristine = fs.readFileSync(disk);
  const p = paired(cli('--version'), cli('panic', '--image', disk, '--kmsg-size', '64', '--pmsg-size', '1024', '--console-size', '1024'), 5, { before: () => fs.writeFileSync(disk, pristine) });
  add({ name: 'panic (64 KiB kmsg, 1 MiB pmsg+console)', value: p.ours, unit: 'ms', baseline: p.base, against: '--version', ratio: p.ratio, cpuRatio: p.cpuRatio });
  fs.rmSync(disk);
}

function batch(): void {
  const one = buildPstoreImage(work, 1, 64);
  const images = Array.from({ length: 200 }, (_, i) => {
    const p = path.join(work, `board-${i}.img`);
    fs.copyFileSync(one.file, p);
    return p;
  });
  const t0 = performance.now();
  for (const img of images) runOnce(cli('recover', '--image', img, '--params', one.params, '--quiet'));
  const sequential = performance.now() - t0;
  const pooled = runOnce(cli('recover', ...images.flatMap((i) => ['--image', i]), '--params', one.params, '--quiet')).wall;
  add({ name: 'batch: recover 200 images on the worker pool', value: pooled, unit: 'ms', baseline: sequential, against: '200 sequential runs', ratio: sequential / pooled });
}

function testSuite(): void {
  const t0 = performance.now();
  const r = spawnSync('npm', ['test'], { cwd: ROOT, stdio: 'ignore' });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`npm test exited ${r.status}`);
  add({ name: 'npm test wall time', value: s, unit: 's', baseline: 180, against: 'the target', ratio: s / 180, target: '<= 180 s', met: s <= 180 });
}

function report(): void {
  const rows = figures.map((f) => [f.name, `${f.value.toFixed(1)} ${f.unit}`, `${f.baseline.toFixed(1)} (${f.against})`, `${f.ratio.toFixed(2)}x`, f.cpuRatio === undefined || Number.isNaN(f.cpuRatio) ? '' : `${f.cpuRatio.toFixed(2)}x`, f.target ?? '', f.met === undefined ? '' : f.met ? 'met' : 'MISSED', f.note ?? '']);
  const head = ['figure', 'value (wall)', 'baseline', 'ratio', 'cpu ratio', 'target', '', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  if (!argv.has('--tests')) console.log('npm test wall time: not measured (npm run bench -- --tests)');
  const out = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), quick: QUICK, figures };
  fs.writeFileSync(path.join(ROOT, 'bench/results.json'), JSON.stringify(out, null, 2) + '\n');
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist/bundle/cli.cjs'))) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  try {
    if (want('startup')) startup();
    if (want('recovery')) await recovery();
    if (want('detect')) await detect();
    if (want('data')) await dataPath();
    if (want('card')) card();
    if (!QUICK && want('other')) {
      panicWrite();
      batch();
    }
    if (argv.has('--tests')) testSuite();
    report();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
});
