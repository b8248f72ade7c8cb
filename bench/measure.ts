/**
 * Whole-process timing for bench/run.ts: every figure is a ratio against a baseline run in the
 * same loop, interleaved (baseline, ours, baseline, ours, ...), so load that comes and goes on a
 * shared machine hits both sides alike. The ratio is the median of the per-pair ratios.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

export type Argv = readonly [string, ...string[]];

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const GNU_TIME = '/usr/bin/time';
const HAVE_GNU_TIME = fs.existsSync(GNU_TIME);

export interface Run {
  /** Wall time, ms. */
  wall: number;
  /** User + system CPU time of the process and its children, ms (NaN without GNU time). */
  cpu: number;
}

/**
 * One run; fails on any exit but 0 and 3 (no record). Under GNU time when it is installed, for
 * the CPU time: steadier than wall time on a shared machine (it adds the same fork to both sides).
 */
export function runOnce(argv: Argv, opts: { before?: () => void } = {}): Run {
  opts.before?.();
  const cmd: readonly string[] = HAVE_GNU_TIME ? [GNU_TIME, '-f', '@@cpu %U %S', ...argv] : argv;
  const t0 = performance.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const wall = performance.now() - t0;
  const stderr = String(r.stderr);
  if (r.status !== 0 && r.status !== 3) throw new Error(`${argv.join(' ')}: exit ${r.status ?? r.signal}: ${stderr.trim()}`);
  const m = /@@cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

export interface Paired {
  /** Median wall time of the baseline and of ours, ms. */
  base: number;
  ours: number;
  /** Median of ours/base over the pairs, wall time. */
  ratio: number;
  /** The same for CPU time (NaN without GNU time). */
  cpuRatio: number;
}

/**
 * `runs` interleaved pairs after one pair that is not counted (the first run after an image
 * was written or the CLI rebuilt pays for cold caches).
 */
export function paired(base: Argv, ours: Argv, runs: number, opts: { before?: () => void } = {}): Paired {
  const b: Run[] = [];
  const o: Run[] = [];
  for (let i = -1; i < runs; i++) {
    const rb = runOnce(base, opts);
    const ro = runOnce(ours, opts);
    if (i < 0) continue;
    b.push(rb);
    o.push(ro);
  }
  return {
    base: median(b.map((r) => r.wall)),
    ours: median(o.map((r) => r.wall)),
    ratio: median(o.map((r, i) => r.wall / b[i]!.wall)),
    cpuRatio: median(o.map((r, i) => r.cpu / b[i]!.cpu)),
  };
}

/** Peak RSS of a command in KiB (GNU time), the median of `runs`; undefined without /usr/bin/time. */
export function peakRss(argv: Argv, runs = 3): number | undefined {
  if (!HAVE_GNU_TIME) return undefined;
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(GNU_TIME, ['-f', '%M', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    const m = /(\d+)\s*$/.exec(String(r.stderr));
    if (!m) return undefined;
    xs.push(Number(m[1]));
  }
  return median(xs);
}
