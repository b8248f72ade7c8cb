/**
 * Host I/O errors under the writing commands: a full disk (ENOSPC), a quota (EDQUOT) or a failing
 * disk (EIO) on the image, its lock or mkimage's temporary file, injected at every write N of each
 * command (lib/host-io.ts injectHostIoFault: the Nth create/write/fsync/rename and every later
 * one fail, as on a full disk). Each run must end with exit 74 and one line naming the file and
 * the errno, never success and no other report; no lock or temporary file is left; the records
 * that were on the card before are intact; mkimage leaves the target as it was.
 * In-process (main() with an injected fault), so the sweep stays fast.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { injectHostIoFault, type HostIoCode } from '../../src/lib/host-io.js';
import { EXIT } from '../../src/reader/errors.js';
import { MemoryRegion, PstoreCore, genericBlkDevice, mergeBlkParams, registerPstoreDevice } from '../../src/zone/index.js';
import { blankCard } from '../helpers/blank-card.js';
import { runMain, sha256, tempDir } from './helpers.js';

const CARD = 9 << 20;
const PSTORE = 256 << 10;
const ZONES = ['--kmsg-size', '16', '--pmsg-size', '16', '--console-size', '16'];
const ENV = { NO_COLOR: '1', SOURCE_DATE_EPOCH: '1735689600' };
const CODES: readonly HostIoCode[] = ['ENOSPC', 'EIO', 'EDQUOT'];
/** What a host error reads as (docs/errors.md). */
const HOST_ERROR_LINE = /^mmcpstore: '(.+)': (create|write|fsync|rename) failed: (ENOSPC|EIO|EDQUOT) \((No space left on device|Input\/output error|Disk quota exceeded)\)$/;

const base = blankCard({ size: CARD, pstoreSize: PSTORE });
const part = base.card.layout.partitions.find((p) => p.number === base.card.pstoreNumber)!;
const partOff = Number(part.firstLba) * 512;
const partLen = (Number(part.lastLba) - Number(part.firstLba) + 1) * 512;

/** name → sha256 of what pstorefs shows for the card in `file`. */
function records(file: string): Map<string, string> {
  const bytes = new Uint8Array(fs.readFileSync(file)).slice(partOff, partOff + partLen);
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(bytes)), mergeBlkParams({ kmsgSize: 16, pmsgSize: 16, consoleSize: 16 }), { nrCpus: 1 });
  return new Map(new PstoreCore(reg.zone).readFiles().map((f) => [f.name, sha256(f.data)]));
}

/** A card holding two panic records and a pmsg record: what the faulty runs must not lose. */
async function cardWithRecords(dir: string): Promise<string> {
  const file = path.join(dir, 'card.img');
  fs.writeFileSync(file, base.image);
  for (const args of [['panic', '--message', 'first'], ['pmsg', 'an older pmsg line'], ['panic', '--message', 'second']]) {
    const r = await runMain([args[0]!, '-i', file, ...ZONES, ...args.slice(1)], ENV);
    assert.equal(r.status, 0, r.stderr);
  }
  return file;
}

interface Case {
  name: string;
  args: (image: string) => string[];
  /** records that must come out of any failed run byte for byte */
  keep: (before: Map<string, string>) => string[];
}

const dmesg = (m: Map<string, string>): string[] => [...m.keys()].filter((n) => n.startsWith('dmesg-'));
// the console zone is every boot's own ring (rewritten from its start by each boot's first line),
// so it is not an older record; pmsg is one unless the command writes pmsg
const dmesgAndPmsg = (m: Map<string, string>): string[] => [...dmesg(m), 'pmsg-pstore_blk-0'];
const CASES: Case[] = [
  { name: 'panic', args: (i) => ['panic', '-i', i, ...ZONES, '--message', 'under a full disk'], keep: dmesgAndPmsg },
  { name: 'oops', args: (i) => ['oops', '-i', i, ...ZONES], keep: dmesgAndPmsg },
  { name: 'pmsg', args: (i) => ['pmsg', '-i', i, ...ZONES, 'a new pmsg line'], keep: dmesg },
  { name: 'console', args: (i) => ['console', '-i', i, ...ZONES, 'a console line'], keep: dmesgAndPmsg },
  { name: 'erase', args: (i) => ['erase', '-i', i, ...ZONES, 'pmsg-pstore_blk-0'], keep: dmesg },
];

/** The files of `dir` besides the ones a test made: locks and temporary files left behind. */
function leftovers(dir: string, made: readonly string[]): string[] {
  return fs.readdirSync(dir).filter((f) => !made.includes(f));
}

describe('host I/O errors: every write N of each writing command', () => {
  for (const c of CASES) {
    it(`${c.name}: exit 74 naming the file and errno, no lock left, older records intact`, async (t) => {
      const dir = tempDir(t);
      const image = await cardWithRecords(dir);
      const pristine = fs.readFileSync(image);
      const before = records(image);
      assert.ok(dmesg(before).length >= 2 && before.has('pmsg-pstore_blk-0'), [...before.keys()].join(', '));
      // how many host operations the command does when nothing fails
      const count = injectHostIoFault({ code: 'ENOSPC', nth: Number.POSITIVE_INFINITY });
      const ok = await runMain(c.args(image), ENV);
      count.disarm();
      assert.equal(ok.status, 0, ok.stderr);
      const ops = count.calls();
      assert.ok(ops >= 3, `${c.name} does ${ops} host operations`);
      for (let n = 1; n <= ops; n++) {
        // every errno at the first and the last operation, one after another between
        const codes = n === 1 || n === ops ? CODES : [CODES[n % CODES.length]!];
        for (const code of codes) {
          const what = `${c.name}, ${code} at operation ${n} of ${ops}`;
          fs.writeFileSync(image, pristine);
          const fault = injectHostIoFault({ code, nth: n });
          const r = await runMain(c.args(image), ENV);
          fault.disarm();
          assert.equal(fault.failed() > 0, true, `${what}: the fault fired`);
          assert.equal(r.status, EXIT.ioErr, `${what}: ${r.stderr}`);
          const lines = r.stderr.split('\n').filter((l) => l !== '');
          assert.equal(lines.length, 1, `${what}: one line, no report: ${r.stderr}`);
          const m = HOST_ERROR_LINE.exec(lines[0]!);
          assert.ok(m, `${what}: ${lines[0]}`);
          assert.ok(m[1] === image || m[1] === `${image}.lock`, `${what}: names the image or its lock: ${m[1]}`);
          assert.equal(m[3], code, what);
          assert.deepEqual(leftovers(dir, ['card.img']), [], `${what}: no lock or temporary file left`);
          const after = records(image);
          for (const name of c.keep(before)) assert.equal(after.get(name), before.get(name), `${what}: ${name} intact`);
        }
      }
    });
  }

  it('a transient EIO (only the Nth operation fails, later ones succeed) is still 74, never success', async (t) => {
    const dir = tempDir(t);
    const image = await cardWithRecords(dir);
    const pristine = fs.readFileSync(image);
    const before = records(image);
    const args = ['pmsg', '-i', image, ...ZONES, 'a line after a transient error'];
    const count = injectHostIoFault({ code: 'EIO', nth: Number.POSITIVE_INFINITY });
    assert.equal((await runMain(args, ENV)).status, 0);
    count.disarm();
    for (let n = 1; n <= count.calls(); n++) {
      fs.writeFileSync(image, pristine);
      const fault = injectHostIoFault({ code: 'EIO', nth: n, once: true });
      const r = await runMain(args, ENV);
      fault.disarm();
      assert.equal(fault.failed(), 1, `operation ${n}: exactly one failure`);
      assert.equal(r.status, EXIT.ioErr, `operation ${n}: ${r.stderr}`);
      assert.match(r.stderr, /^mmcpstore: '.+': (create|write|fsync) failed: EIO \(Input\/output error\)\n$/);
      assert.deepEqual(leftovers(dir, ['card.img']), []);
      for (const name of dmesg(before)) assert.equal(records(image).get(name), before.get(name), `operation ${n}: ${name} intact`);
    }
  });

  it('mkimage: exit 74, no half-made image, no temporary file; with --force the old card is kept', async (t) => {
    const dir = tempDir(t);
    const fresh = path.join(dir, 'new.img');
    const args = (image: string, force: boolean): string[] => ['mkimage', '-i', image, '--size', '9M', '--pstore-size', '256K', ...(force ? ['--force'] : [])];
    const count = injectHostIoFault({ code: 'ENOSPC', nth: Number.POSITIVE_INFINITY });
    const ok = await runMain(args(fresh, false), ENV);
    count.disarm();
    assert.equal(ok.status, 0, ok.stderr);
    const made = fs.readFileSync(fresh);
    fs.rmSync(fresh);
    const ops = count.calls();
    assert.ok(ops >= 4, `mkimage does ${ops} host operations`);
    const old = await cardWithRecords(dir);
    const oldBytes = fs.readFileSync(old);
    for (let n = 1; n <= ops; n++) {
      for (const code of CODES) {
        for (const target of [fresh, old]) {
          const what = `mkimage ${path.basename(target)}, ${code} at operation ${n} of ${ops}`;
          const fault = injectHostIoFault({ code, nth: n });
          const r = await runMain(args(target, target === old), ENV);
          fault.disarm();
          assert.equal(r.status, EXIT.ioErr, `${what}: ${r.stderr}`);
          const m = HOST_ERROR_LINE.exec(r.stderr.trimEnd());
          assert.ok(m && !r.stderr.trimEnd().includes('\n'), `${what}: one line: ${r.stderr}`);
          assert.equal(m[3], code, what);
          assert.equal(path.dirname(m[1]!), dir, `${what}: names a file beside the target: ${m[1]}`);
          if (target === fresh) assert.equal(fs.existsSync(fresh), false, `${what}: no half-made image`);
          else assert.ok(fs.readFileSync(old).equals(oldBytes), `${what}: the old card is untouched`);
          assert.deepEqual(leftovers(dir, ['card.img']), [], `${what}: no lock or temporary file left`);
        }
      }
    }
    // and without a fault the same command makes the same card
    assert.equal((await runMain(args(fresh, false), ENV)).status, 0);
    assert.ok(fs.readFileSync(fresh).equals(made));
  });
});
