/**
 * Hostile input through the real CLI (docs/reliability.md): a fixed-seed sample of mutated
 * fixture, generated and GPT-card images through inspect, recover (with and without --salvage)
 * and detect, and the replay of every saved failing case in test/fuzz-corpus/.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALLOWED_EXITS, CaseRunner, allowedExitsFor, LIMITS, argvFor, buildImage, corpusImage, imageTempDir, loadCorpus, plansFor, verdict, type Plan } from './fuzz-core.js';
import { runCli } from './helpers.js';

const SEED = 20251124;
/**
 * Cases of the `npm test` run: the first MIN_CASES always (on a loaded machine too), then more up
 * to CASES while the wall-clock budget lasts; `npm run fuzz` goes further.
 */
const CASES = 400;
const MIN_CASES = 50;
const BUDGET_MS = 12_000;

const runner = new CaseRunner();
const dir = imageTempDir();
after(async () => {
  await runner.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('fuzz: mutated images never crash, hang or leak', () => {
  it(`seed ${SEED}: every case ends with records or a one-line error and status 0, 3 or 65`, async () => {
    const plans = plansFor(SEED, CASES);
    // Warm-up (module loading in the worker) before the memory baseline.
    await runner.run(['--version']);
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    const failures: string[] = [];
    const statuses = new Map<number | null, number>();
    let tried = 0;
    let peak = rss0;
    for (const plan of plans) {
      if (tried >= MIN_CASES && Date.now() - t0 > BUDGET_MS) break;
      const file = path.join(dir, 'case.img');
      const image = buildImage(plan);
      fs.writeFileSync(file, image);
      const argv = argvFor(plan, file);
      const r = await runner.run(argv);
      tried++;
      statuses.set(r.code, (statuses.get(r.code) ?? 0) + 1);
      peak = Math.max(peak, process.memoryUsage().rss);
      const why = verdict(r, allowedExitsFor(argv)) ?? (Buffer.from(image).equals(fs.readFileSync(file)) ? undefined : 'the image changed');
      if (why) failures.push(`${why}\n  plan: ${JSON.stringify(plan)}`);
    }
    assert.deepEqual(failures, []);
    assert.ok(tried >= MIN_CASES, `only ${tried} cases ran`);
    // Every documented outcome appears, so the mutations reach past the first check.
    for (const code of [0, 3, 65]) assert.ok((statuses.get(code) ?? 0) > 0, `no case ended with ${code}: ${JSON.stringify([...statuses])}`);
    assert.ok(peak - rss0 < LIMITS.rssGrowthBytes, `RSS grew by ${Math.round((peak - rss0) / 1048576)} MiB`);
  });

  it('a decompression bomb (16 MiB of zeros in a kmsg zone) is capped: kept compressed, salvage bounded', async () => {
    const file = path.join(dir, 'bomb.img');
    for (const base of ['fixture:virtio-1m-kmsg64-deflate', 'generated:all-front-ends']) {
      const plan: Plan = { base, argset: 1, command: 'recover-json', mutations: [{ op: 'bomb', zone: 0 }] };
      fs.writeFileSync(file, buildImage(plan));
      const rss0 = process.memoryUsage().rss;
      const r = await runner.run(argvFor(plan, file));
      assert.equal(verdict(r), undefined);
      assert.match(r.stderr, /inflates past the \d+-byte limit .*kept compressed/);
      const s = await runner.run(argvFor({ ...plan, command: 'salvage-json' }, file));
      assert.equal(verdict(s), undefined);
      // the salvage cap is 1 MiB per record: its JSON stays far below the 16 MiB the bomb holds
      assert.ok(s.stdoutBytes < LIMITS.bombBytes, `salvage printed ${s.stdoutBytes} bytes`);
      assert.ok(process.memoryUsage().rss - rss0 < LIMITS.rssGrowthBytes);
    }
  });

  it('a case that hangs is cut off at the time budget and reported, and the runner recovers', async () => {
    // Not a real hang in mmcpstore: the harness's own timeout path, on a 1 ms budget, over work
    // that cannot fit in it (detect searching 64 MiB that is neither zero nor pstore).
    const file = path.join(dir, 'slow.img');
    fs.writeFileSync(file, Buffer.alloc(64 << 20, 0x5a));
    const argv = ['detect', '--image', file];
    // On a starved machine the worker's answer and the timer can become due in one event-loop
    // turn; the harness must cut the case off at least once in a few tries.
    let cut: string | undefined;
    for (let attempt = 0; attempt < 3 && !cut; attempt++) cut = verdict(await runner.run(argv, 1));
    assert.match(cut ?? '', /timeout after 1 ms/);
    const again = await runner.run(argv);
    assert.equal(verdict(again), undefined);
  });
});

describe('fuzz corpus: every case that once failed is replayed', () => {
  const corpus = loadCorpus();
  it('the corpus directory is readable', () => {
    assert.ok(Array.isArray(corpus));
  });
  for (const { file, entry } of corpus) {
    it(`${path.basename(file)}: ${entry.note}`, { todo: entry.todo }, async () => {
      const image = path.join(dir, path.basename(file, '.json') + '.img');
      fs.writeFileSync(image, corpusImage(entry));
      const argv = entry.argv.map((a) => (a === '{IMAGE}' ? image : a));
      const allowed = new Set(entry.allowedExits ?? [...ALLOWED_EXITS]);
      if (entry.spawn) {
        // A native loop (inside a libuv call) cannot be interrupted in a worker: a process can be killed.
        const t0 = Date.now();
        const p = runCli(argv, { timeoutMs: LIMITS.caseMs });
        const abnormal = p.signal ? `killed (${p.signal}) after ${Date.now() - t0} ms: it hung` : undefined;
        assert.equal(verdict({ code: p.status, stdoutBytes: p.stdout.length, stderr: p.stderr, ms: Date.now() - t0, ...(abnormal ? { abnormal } : {}) }, allowed), undefined);
      } else {
        const r = await runner.run(argv);
        assert.equal(verdict(r, allowed), undefined);
      }
    });
  }
});

describe('fuzz verdicts: what counts as a failure', () => {
  const ok = { code: 3, stdoutBytes: 0, stderr: "mmcpstore: no valid pstore data found in 'x' (4 zones)\n", ms: 5 };
  it('accepts a documented status with one final error line', () => {
    assert.equal(verdict(ok), undefined);
    assert.equal(verdict({ ...ok, code: 0, stdoutBytes: 10, stderr: 'mmcpstore: warning: kmsg zone 1 skipped (overtop)\n' }), undefined);
  });
  it('rejects 70, a stack trace, a stray line, a silent failure, a timeout and an empty success', () => {
    assert.match(verdict({ ...ok, code: 70, stderr: 'mmcpstore: internal error: x (this is a bug in mmcpstore; ...)\n' }) ?? '', /exit 70/);
    assert.match(verdict({ ...ok, stderr: "mmcpstore: no data\nTypeError: x\n    at f (src/zone/zone.ts:1:1)\n" }) ?? '', /stack trace/);
    assert.match(verdict({ ...ok, stderr: 'RangeError: offset out of bounds\n' }) ?? '', /stray stderr line/);
    assert.match(verdict({ ...ok, stderr: 'mmcpstore: warning: w\n' }) ?? '', /without a final one-line error/);
    assert.match(verdict({ ...ok, code: null, abnormal: 'timeout after 5000 ms' }) ?? '', /timeout/);
    assert.match(verdict({ ...ok, code: 0, stderr: '' }) ?? '', /nothing on stdout/);
  });
});
