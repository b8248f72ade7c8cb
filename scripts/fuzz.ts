/**
 * npm run fuzz [-- --seed N] [--cases N] [--seconds N]
 *
 * The hostile-input fuzzer of test/reliability/fuzz-core.ts, longer than the `npm test` run:
 * `--cases` plans from `--seed` (default: random, printed), stopping after `--seconds`.
 * Each failing input is saved to test/fuzz-corpus/ (gzipped image + JSON plan) so that `npm test`
 * replays it. Prints `N cases tried, M failures` and exits 1 when M > 0 (2 on a bad argument).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaseRunner, LIMITS, allowedExitsFor, argvFor, buildImage, imageTempDir, plansFor, saveToCorpus, verdict, type Failure } from '../test/reliability/fuzz-core.js';

function parseArgs(argv: string[]): { seed: number; cases: number; seconds: number } {
  const o = { seed: Math.floor(Math.random() * 2 ** 31), cases: 5000, seconds: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(seed|cases|seconds)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument '${a}' (--seed N, --cases N, --seconds N)`);
    const v = m[2] ?? argv[++i];
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`--${m[1]}: '${v ?? ''}' is not a whole number`);
    o[m[1] as 'seed' | 'cases' | 'seconds'] = n;
  }
  return o;
}

async function run(): Promise<number> {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n`);
    return 2;
  }
  process.stdout.write(`fuzz: seed ${o.seed}, up to ${o.cases} cases, ${o.seconds} s\n`);
  const dir = imageTempDir();
  const runner = new CaseRunner();
  const failures: Failure[] = [];
  let tried = 0;
  try {
    await runner.run(['--version']);
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    for (const plan of plansFor(o.seed, o.cases)) {
      if (Date.now() - t0 > o.seconds * 1000) break;
      const image = buildImage(plan);
      const file = path.join(dir, 'case.img');
      fs.writeFileSync(file, image);
      const argv = argvFor(plan, file);
      const r = await runner.run(argv);
      tried++;
      let why = verdict(r, allowedExitsFor(argv));
      // a reading command never changes the image it read
      if (!why && !Buffer.from(image).equals(fs.readFileSync(file))) why = 'the image changed';
      const grown = process.memoryUsage().rss - rss0;
      if (!why && grown > LIMITS.rssGrowthBytes) why = `RSS grew by ${Math.round(grown / 1048576)} MiB (limit ${LIMITS.rssGrowthBytes / 1048576})`;
      if (why) {
        const f: Failure = { plan, argv, why };
        failures.push(f);
        const saved = saveToCorpus(f, image, `found by npm run fuzz --seed ${o.seed}: ${why.split('\n')[0]!.slice(0, 120)}`);
        process.stdout.write(`FAIL ${why.split('\n')[0]}\n  plan ${JSON.stringify(plan)}\n  saved ${path.relative(process.cwd(), saved)}\n`);
      }
      if (tried % 500 === 0) process.stdout.write(`  ${tried} cases, ${failures.length} failures, ${Math.round((Date.now() - t0) / 1000)} s\n`);
    }
  } finally {
    await runner.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${tried} cases tried, ${failures.length} failures\n`);
  return failures.length ? 1 : 0;
}

void run().then((code) => {
  process.exitCode = code;
});
