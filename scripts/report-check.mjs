#!/usr/bin/env node
/**
 * `npm run report:check [-- PNG]`: builds a `mmcpstore report` page from a fixture and opens it
 * in headless Chromium (Debian's `chromium` package), saving a screenshot (default
 * dist/report-check/report.png; docs/report.png is one of these). Checks that Chromium loaded
 * the page and drew a non-trivial PNG; the test suite does not need Chromium
 * (test/cli/report.test.ts parses the HTML instead).
 *
 * The page: the card fixture (a 64 MiB card the emulated board wrote: panic, pmsg and console)
 * after one more `panic --json` run on a copy, reported with --from-panic.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = 'card-64m-panic-pmsg-console';
const WINDOW = '1200,1600';
/** A blank or failed screenshot is a few KiB; the report is far more. */
const MIN_PNG_BYTES = 20 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Reproducible record times in the extra panic (docs/cli.md, SOURCE_DATE_EPOCH). */
const SOURCE_DATE_EPOCH = '1735689600';

class CheckFailed extends Error {}

function fail(message) {
  throw new CheckFailed(message);
}

if (!fs.existsSync(CHROMIUM)) {
  process.stderr.write(`report-check: ${CHROMIUM} not found: install Debian's chromium package (apt-get update && apt-get install -y chromium)\n`);
  process.exit(1);
}

const png = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist', 'report-check', 'report.png'));
fs.mkdirSync(path.dirname(png), { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mmcpstore-report-check-'));

/** The CLI from source, as the tests run it; run in the work dir so the page names the image as `card.img`. */
function mmcpstore(args) {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/cli.ts'), ...args], {
    cwd: work,
    env: { ...process.env, SOURCE_DATE_EPOCH, NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

try {
  const image = 'card.img';
  fs.writeFileSync(path.join(work, image), gunzipSync(fs.readFileSync(path.join(ROOT, 'fixtures', `${FIXTURE}.img.gz`))));
  const panic = mmcpstore(['panic', '-i', image, '--json', '-q', '-m', 'Fatal exception in interrupt']);
  if (panic.status !== 0) fail(`panic --json exited ${panic.status}: ${panic.stderr.trim()}`);
  const panicJson = path.join(work, 'panic.json');
  fs.writeFileSync(panicJson, panic.stdout);
  const html = path.join(work, 'report.html');
  const report = mmcpstore(['report', '-i', image, '--from-panic', panicJson, '-o', html, '-q']);
  if (report.status !== 0) fail(`report exited ${report.status}: ${report.stderr.trim()}`);

  const profile = fs.mkdtempSync(path.join(work, 'profile-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    `--screenshot=${png}`,
    `--window-size=${WINDOW}`,
    pathToFileURL(html).href,
  ];
  fs.rmSync(png, { force: true });
  const c = spawnSync(CHROMIUM, args, { encoding: 'utf8', timeout: 120_000 });
  if (c.error) fail(`cannot run ${CHROMIUM}: ${c.error.message}`);
  if (c.status !== 0) fail(`${CHROMIUM} exited ${c.status}:\n${c.stderr}`);
  if (!fs.existsSync(png)) fail(`${CHROMIUM} wrote no screenshot:\n${c.stderr}`);
  const bytes = fs.readFileSync(png);
  if (!bytes.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) fail(`${png} is not a PNG`);
  if (bytes.length < MIN_PNG_BYTES) fail(`${png} is only ${bytes.length} bytes: the page did not render`);
  process.stdout.write(`report-check: ${html} rendered by Chromium: ${png} (${bytes.length} bytes)\n`);
} catch (e) {
  if (!(e instanceof CheckFailed)) throw e;
  process.stderr.write(`report-check: ${e.message}\n`);
  process.exitCode = 1;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
