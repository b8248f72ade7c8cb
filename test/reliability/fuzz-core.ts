/**
 * The hostile-input fuzzer shared by `npm test` (test/reliability/fuzz.test.ts, fixed seed, small
 * budget) and `npm run fuzz` (scripts/fuzz.ts, any seed, longer). Not a test file itself.
 *
 * A case is a JSON-serialisable plan: a base image (a kernel fixture, a generated multi-front-end
 * image, or a small GPT card), a list of mutations, and one reading command (inspect, recover,
 * recover --salvage, detect). It runs through the real CLI entry point `main(argv, io)` in a
 * worker thread, so a hang can be cut off (the worker is terminated) and a runaway allocation ends
 * in the worker's heap limit instead of the test process. Invariants: docs/reliability.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  KmsgDumpReason,
  LinesDumpIter,
  MemoryPstoreDevice,
  PstoreCore,
  PstoreType,
  PSTORE_KMSG_HEADER_MAGIC,
  PSZ_BUFFER,
  PSZ_KMSG_HEADER,
  PSZ_SIG,
  mergeBlkParams,
  registerPstoreDevice,
} from '../../src/zone/index.js';
import { GPT_ENTRY, GPT_HEADER } from '../../src/driver/mmc/partitions/index.js';
import { SECTOR_SIZE } from '../../src/lib/units.js';
import { applyCardMutation, cardMutationArbitrary, fixGptAt, isCardMutation, mbrCardBase, qemuCardBase, type CardMutation } from './fuzz-cards.js';
import { blankCard } from '../helpers/blank-card.js';
import { fixtureImage, fixtureSidecar } from '../helpers/fixtures.js';
import { sha256 } from '../helpers/hash.js';
import { FIXTURES_DIR, ROOT } from '../helpers/paths.js';
import { Prng } from '../../src/lib/prng.js';

export const CORPUS_DIR = path.join(ROOT, 'test/fuzz-corpus');

/** Limits (docs/reliability.md). */
export const LIMITS = {
  /** One case (one command on one mutated image), wall clock, before the worker is killed. */
  caseMs: 5000,
  /** Growth of this process's RSS over its value after warm-up. */
  rssGrowthBytes: 512 * 1024 * 1024,
  /** The worker's V8 old-generation heap; running out is a failure. */
  workerHeapMb: 768,
  /** A decompression bomb in a kmsg zone inflates to this many zero bytes. */
  bombBytes: 16 * 1024 * 1024,
} as const;

/** Exit statuses a reading command may end with on a hostile image (docs/errors.md). */
export const ALLOWED_EXITS: ReadonlySet<number> = new Set([0, 3, 65]);

// ------------------------------------------------------------------------------------------------
// Base images
// ------------------------------------------------------------------------------------------------

export interface BaseImage {
  name: string;
  bytes: Uint8Array;
  /** Extra reading arguments for inspect/recover; each case picks one set ([] = auto-detect). */
  argsets: string[][];
  /** Whole cards: where the user area (and its partition table) starts in the file. */
  userOffset?: number;
}

const FIXTURES = ['virtio-1m-kmsg64-deflate', 'virtio-1m-kmsg64-plain', 'mmc-256k-kmsg64-wrap', 'engine-512k-pmsg-console-wrap', 'engine-2m-mixed-ftrace4', 'engine-64k-kmsg4-incompressible'];

function fixtureBase(name: string): BaseImage {
  const bytes = fixtureImage(name);
  const side = fixtureSidecar(name);
  const p = Object.entries(side.module_params)
    .filter(([k]) => k.startsWith('pstore'))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const explicit = ['--params', p];
  if (side.cpus) explicit.push('--cpus', String(side.cpus));
  return { name: `fixture:${name}`, bytes, argsets: [[], explicit] };
}

/** 256 KiB: pmsg 16, console 16, ftrace 16 over 2 CPUs, kmsg 16 KiB zones; every front end written. */
function generatedBase(): BaseImage {
  const size = 256 * 1024;
  const dev = new MemoryPstoreDevice(size, true);
  let sec = 1_700_000_000n;
  const reg = registerPstoreDevice(dev, mergeBlkParams({ kmsgSize: 16, pmsgSize: 16, consoleSize: 16, ftraceSize: 16 }), { nrCpus: 2 });
  const core = new PstoreCore(reg.zone, { now: () => ({ sec: (sec += 7n), nsec: 0n }), compress: 'deflate' });
  reg.zone.recovery();
  const lines = (tag: string, n: number) => new LinesDumpIter(Array.from({ length: n }, (_, i) => `<6>[${String(i).padStart(5)}.000000] ${tag} line ${i} ${'x'.repeat(i % 50)}\n`));
  core.dump(KmsgDumpReason.OOPS, lines('oops', 200));
  core.dump(KmsgDumpReason.PANIC, lines('panic', 40));
  const enc = new TextEncoder();
  for (let i = 0; i < 300; i++) core.writePmsg(enc.encode(`pmsg ${i} ${'p'.repeat(i % 30)}\n`));
  for (let i = 0; i < 300; i++) core.writeConsole(enc.encode(`console ${i}\n`));
  for (let i = 0; i < 200; i++) core.writeFtrace(BigInt(0xffffffff81000000 + i * 16), BigInt(0xffffffff81100000 + i), i % 2);
  reg.zone.flushAllDirtyZones();
  const explicit = ['--kmsg-size', '16', '--pmsg-size', '16', '--console-size', '16', '--ftrace-size', '16', '--cpus', '2'];
  return { name: 'generated:all-front-ends', bytes: dev.bytes.slice(), argsets: [[], explicit] };
}

/** A 16 MiB card with the default GPT (pstore 256 KiB) and an Oops record in its pstore partition. */
function cardBase(): BaseImage {
  const r = blankCard({ pstoreSize: 256 << 10, seed: 7 });
  const img = r.image;
  const part = r.card.layout.partitions.find((p) => p.number === r.card.pstoreNumber) ?? r.card.layout.partitions[r.card.pstoreNumber - 1]!;
  const off = part.firstLba * 512;
  const len = (part.lastLba - part.firstLba + 1) * 512;
  const dev = new MemoryPstoreDevice(img.subarray(off, off + len), true);
  const reg = registerPstoreDevice(dev, mergeBlkParams({ kmsgSize: 32 }), { nrCpus: 1 });
  const core = new PstoreCore(reg.zone, { now: () => ({ sec: 1_700_000_123n, nsec: 0n }) });
  reg.zone.recovery();
  core.dump(KmsgDumpReason.OOPS, new LinesDumpIter(Array.from({ length: 100 }, (_, i) => `<4>[${i}.000000] card line ${i}\n`)));
  return { name: 'card:gpt-16m', bytes: img, argsets: [[], ['--offset', String(off), '--size', String(len), '--kmsg-size', '32']] };
}

let bases: BaseImage[] | undefined;
export function baseImages(): BaseImage[] {
  bases ??= [...FIXTURES.filter((f) => fs.existsSync(path.join(FIXTURES_DIR, `${f}.img.gz`))).map(fixtureBase), generatedBase(), cardBase(), mbrCardBase(), qemuCardBase()];
  return bases;
}

// ------------------------------------------------------------------------------------------------
// Mutations
// ------------------------------------------------------------------------------------------------

export type HeaderField = 'sig' | 'datalen' | 'start' | 'magic' | 'tvSec' | 'tvNsec' | 'compressed' | 'counter' | 'reason';

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'bytes'; at: number; fill: number; len: number }
  | { op: 'truncate'; len: number }
  | { op: 'extend'; len: number }
  /** `zone` picks one of the headers found by signature (modulo their number). */
  | { op: 'field'; zone: number; field: HeaderField; value: string }
  | { op: 'bomb'; zone: number }
  | { op: 'garbageCompressed'; zone: number; seed: number; datalen: number }
  | { op: 'otherSig'; zone: number; type: number }
  | { op: 'gptEntry'; entry: number; first: string; last: string }
  | { op: 'gptHeader'; field: 'partitionEntryLba' | 'numPartitionEntries' | 'sizeofPartitionEntry' | 'firstUsableLba' | 'lastUsableLba' | 'myLba'; value: string }
  | CardMutation;

export type Command = 'inspect' | 'inspect-json' | 'recover' | 'recover-json' | 'salvage' | 'salvage-json' | 'detect' | 'detect-json' | 'card' | 'card-json';

export interface Plan {
  base: string;
  argset: number;
  command: Command;
  mutations: Mutation[];
}

/** Extremes for a signed 32-bit header field, as strings (bigint-safe in JSON). */
const INT_EXTREMES = ['0', '1', '-1', '11', '12', '39', '40', '41', '4096', '65523', '65524', '65525', '131072', '2147483647', '-2147483648', '1073741824', '-40'];
const U64_EXTREMES = ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '253402300800', '-62135596801', '1000000000', '999999999'];

function findHeaders(b: Uint8Array): number[] {
  const sigs = new Set([PstoreType.DMESG, PstoreType.PMSG, PstoreType.CONSOLE, PstoreType.FTRACE].map((t) => (PSZ_SIG ^ t) >>> 0));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let off = 0; off + 12 <= b.length; off += 512) if (sigs.has(v.getUint32(off, true))) out.push(off);
  return out;
}

let bomb: Uint8Array | undefined;
/** A raw deflate stream of LIMITS.bombBytes zeros (about 16 KiB). */
export function bombStream(): Uint8Array {
  bomb ??= new Uint8Array(deflateRawSync(Buffer.alloc(LIMITS.bombBytes), { level: 9 }));
  return bomb;
}

function prng(seed: number): () => number {
  const g = new Prng(seed);
  return () => g.next();
}

/** Applies `plan`'s mutations to a copy of its base image. */
export function buildImage(plan: Plan): Uint8Array {
  const base = baseImages().find((b) => b.name === plan.base);
  if (!base) throw new Error(`no base image ${plan.base}`);
  let img = base.bytes.slice();
  const user = base.userOffset ?? 0;
  for (const m of plan.mutations) {
    const headers = findHeaders(img);
    const hdr = (z: number): number | undefined => (headers.length ? headers[z % headers.length] : undefined);
    const v = new DataView(img.buffer, img.byteOffset, img.byteLength);
    switch (m.op) {
      case 'flip':
        if (img.length) img[m.at % img.length]! ^= 1 << (m.bit & 7);
        break;
      case 'bytes':
        if (img.length) img.fill(m.fill & 0xff, m.at % img.length, Math.min(img.length, (m.at % img.length) + m.len));
        break;
      case 'truncate':
        img = img.slice(0, Math.min(m.len, img.length));
        break;
      case 'extend': {
        const out = new Uint8Array(img.length + m.len);
        out.set(img);
        img = out;
        break;
      }
      case 'field': {
        const at = hdr(m.zone);
        if (at === undefined) break;
        const k = at + PSZ_BUFFER.size;
        const val = BigInt(m.value);
        const i32 = Number(BigInt.asIntN(32, val));
        const put32 = (o: number): void => {
          if (o + 4 <= img.length) v.setInt32(o, i32, true);
        };
        const put64 = (o: number): void => {
          if (o + 8 <= img.length) v.setBigInt64(o, BigInt.asIntN(64, val), true);
        };
        if (m.field === 'sig') put32(at + PSZ_BUFFER.sig);
        else if (m.field === 'datalen') put32(at + PSZ_BUFFER.datalen);
        else if (m.field === 'start') put32(at + PSZ_BUFFER.start);
        else if (m.field === 'magic') put32(k + PSZ_KMSG_HEADER.magic);
        else if (m.field === 'tvSec') put64(k + PSZ_KMSG_HEADER.tvSec);
        else if (m.field === 'tvNsec') put64(k + PSZ_KMSG_HEADER.tvNsec);
        else if (m.field === 'compressed') {
          if (k + PSZ_KMSG_HEADER.compressed < img.length) img[k + PSZ_KMSG_HEADER.compressed] = i32 & 0xff;
        } else if (m.field === 'counter') put32(k + PSZ_KMSG_HEADER.counter);
        else if (m.field === 'reason') put32(k + PSZ_KMSG_HEADER.reason);
        break;
      }
      case 'bomb':
      case 'garbageCompressed': {
        const at = hdr(m.zone);
        if (at === undefined) break;
        let payload: Uint8Array;
        if (m.op === 'bomb') payload = bombStream();
        else {
          const r = prng(m.seed);
          payload = Uint8Array.from({ length: Math.max(1, m.datalen) }, () => Math.floor(r() * 256));
        }
        const k = at + PSZ_BUFFER.size;
        const pay = k + PSZ_KMSG_HEADER.size;
        if (pay + payload.length > img.length) payload = payload.subarray(0, Math.max(0, img.length - pay));
        v.setUint32(at, (PSZ_SIG ^ PstoreType.DMESG) >>> 0, true);
        v.setInt32(at + PSZ_BUFFER.datalen, PSZ_KMSG_HEADER.size + payload.length, true);
        v.setInt32(at + PSZ_BUFFER.start, 0, true);
        if (pay <= img.length) {
          v.setUint32(k + PSZ_KMSG_HEADER.magic, PSTORE_KMSG_HEADER_MAGIC, true);
          v.setBigInt64(k + PSZ_KMSG_HEADER.tvSec, 1_700_000_000n, true);
          img[k + PSZ_KMSG_HEADER.compressed] = 1;
          v.setUint32(k + PSZ_KMSG_HEADER.counter, 1, true);
          v.setUint32(k + PSZ_KMSG_HEADER.reason, 1, true);
          img.set(payload, pay);
        }
        break;
      }
      case 'otherSig': {
        const at = hdr(m.zone);
        if (at !== undefined) v.setUint32(at, (PSZ_SIG ^ m.type) >>> 0, true);
        break;
      }
      case 'gptEntry': {
        if (img.length < user + 34 * SECTOR_SIZE) break;
        const e = user + 2 * SECTOR_SIZE + (m.entry % 8) * GPT_ENTRY.size;
        v.setBigUint64(e + GPT_ENTRY.startingLba, BigInt.asUintN(64, BigInt(m.first)), true);
        v.setBigUint64(e + GPT_ENTRY.endingLba, BigInt.asUintN(64, BigInt(m.last)), true);
        fixGptAt(img, user + SECTOR_SIZE, user);
        break;
      }
      case 'gptHeader': {
        if (img.length < user + 2 * SECTOR_SIZE) break;
        const o = user + SECTOR_SIZE + GPT_HEADER[m.field];
        if (m.field === 'numPartitionEntries' || m.field === 'sizeofPartitionEntry') v.setUint32(o, Number(BigInt.asUintN(32, BigInt(m.value))), true);
        else v.setBigUint64(o, BigInt.asUintN(64, BigInt(m.value)), true);
        fixGptAt(img, user + SECTOR_SIZE, user);
        break;
      }
      default:
        if (isCardMutation(m)) applyCardMutation(img, m, user);
    }
  }
  return img;
}

const COMMANDS: readonly Command[] = ['inspect', 'inspect-json', 'recover', 'recover-json', 'salvage', 'salvage-json', 'detect', 'detect-json', 'card', 'card-json'];

/** argv for `plan` reading `image`. */
export function argvFor(plan: Plan, image: string): string[] {
  const base = baseImages().find((b) => b.name === plan.base)!;
  const extra = plan.command.startsWith('detect') || plan.command.startsWith('card') ? [] : base.argsets[plan.argset % base.argsets.length]!;
  const json = plan.command.endsWith('-json') ? ['--json'] : [];
  switch (plan.command) {
    case 'inspect':
    case 'inspect-json':
      return ['inspect', '-i', image, '--explain', ...extra, ...json];
    case 'recover':
    case 'recover-json':
      return ['recover', '-i', image, ...extra, ...json];
    case 'salvage':
    case 'salvage-json':
      return ['recover', '-i', image, '--salvage', ...extra, ...json];
    case 'detect':
    case 'detect-json':
      return ['detect', '-i', image, ...json];
    case 'card':
    case 'card-json':
      return ['inspect', '--card', '-i', image, ...json];
  }
}

/** fast-check arbitrary of plans over the base images. */
export function planArbitrary(): fc.Arbitrary<Plan> {
  const names = baseImages().map((b) => b.name);
  const big = fc.integer({ min: 0, max: 0x7fffffff });
  const lengthClass = fc.oneof(
    fc.constantFrom(0, 1, 11, 12, 13, 51, 52, 53, 511, 512, 513, 4095, 4096, 65535, 65536, 65537),
    fc.integer({ min: 0, max: 4 << 20 }),
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: big, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('bytes' as const), at: big, fill: fc.constantFrom(0, 0xff, 0x41, 0x80), len: fc.integer({ min: 1, max: 8192 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), len: lengthClass }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('extend' as const), len: fc.constantFrom(1, 511, 512, 4096, 65536) }) },
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant('field' as const),
        zone: fc.nat(64),
        field: fc.constantFrom<HeaderField>('sig', 'datalen', 'start', 'magic', 'tvSec', 'tvNsec', 'compressed', 'counter', 'reason'),
        value: fc.oneof(fc.constantFrom(...INT_EXTREMES, ...U64_EXTREMES), fc.integer({ min: -2147483648, max: 2147483647 }).map(String)),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('bomb' as const), zone: fc.nat(64) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('garbageCompressed' as const), zone: fc.nat(64), seed: big, datalen: fc.constantFrom(1, 2, 5, 100, 4000, 65000) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('otherSig' as const), zone: fc.nat(64), type: fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 0xff) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('gptEntry' as const),
        entry: fc.nat(7),
        first: fc.constantFrom('0', '1', '34', '2048', '8191', '8192', '100000', '4294967295', '18446744073709551615', '9007199254740993'),
        last: fc.constantFrom('0', '1', '34', '2048', '8191', '8192', '100000', '4294967295', '18446744073709551615', '9007199254740993'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('gptHeader' as const),
        field: fc.constantFrom('partitionEntryLba', 'numPartitionEntries', 'sizeofPartitionEntry', 'firstUsableLba', 'lastUsableLba', 'myLba') as fc.Arbitrary<'myLba'>,
        value: fc.constantFrom('0', '1', '2', '127', '128', '129', '4096', '65536', '4294967295', '18446744073709551615', '9007199254740993'),
      }),
    },
  );
  const card = cardMutationArbitrary().map((arbitrary) => ({ weight: 1, arbitrary }));
  return fc.record({
    base: fc.constantFrom(...names),
    argset: fc.nat(3),
    command: fc.constantFrom(...COMMANDS),
    mutations: fc.array(fc.oneof({ weight: 5, arbitrary: mutation }, ...card), { minLength: 1, maxLength: 4 }),
  });
}

// ------------------------------------------------------------------------------------------------
// Running a case
// ------------------------------------------------------------------------------------------------

export interface CaseResult {
  code: number | null;
  stdoutBytes: number;
  stderr: string;
  ms: number;
  /** 'timeout' | 'worker-crash: ...' when the worker did not answer. */
  abnormal?: string;
}

interface Pending {
  worker: Worker;
  resolve: (r: CaseResult) => void;
  timer: NodeJS.Timeout;
  t0: number;
}

/** One worker thread running `main(argv, io)` jobs; restarted after a hang or a crash. */
export class CaseRunner {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private seq = 0;

  private start(): Worker {
    const api = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./fuzz-worker.ts', import.meta.url).href;
    const w = new Worker(`import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: LIMITS.workerHeapMb },
      stdout: true,
      stderr: true,
    });
    w.on('message', (m: { id: number; code: number; stdoutBytes: number; stderr: string }) => {
      const p = this.pending;
      if (!p || p.worker !== w) return;
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve({ code: m.code, stdoutBytes: m.stdoutBytes, stderr: m.stderr, ms: Date.now() - p.t0 });
    });
    const fail = (why: string): void => {
      // A worker terminated after a timeout reports here too: it no longer matters.
      if (this.worker === w) this.worker = undefined;
      const p = this.pending;
      if (!p || p.worker !== w) return;
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve({ code: null, stdoutBytes: 0, stderr: '', ms: Date.now() - p.t0, abnormal: why });
    };
    w.on('error', (e) => fail(`worker-crash: ${e.message}`));
    w.on('exit', (c) => fail(`worker exited ${c}`));
    w.unref();
    return w;
  }

  run(argv: string[], timeoutMs: number = LIMITS.caseMs): Promise<CaseResult> {
    this.worker ??= this.start();
    const w = this.worker;
    return new Promise<CaseResult>((resolve) => {
      const t0 = Date.now();
      const timer = setTimeout(() => {
        const p = this.pending;
        this.pending = undefined;
        this.worker = undefined;
        void w.terminate();
        p?.resolve({ code: null, stdoutBytes: 0, stderr: '', ms: Date.now() - t0, abnormal: `timeout after ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending = { worker: w, resolve, timer, t0 };
      w.postMessage({ id: this.seq++, argv });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

/**
 * The statuses a case may end with: those of ALLOWED_EXITS, and 2 when the command line names a
 * partition (`--blkdev`) that the mutated table no longer has: the user's argument is what is
 * wrong then, and the error says so in one line.
 */
export function allowedExitsFor(argv: readonly string[]): ReadonlySet<number> {
  return argv.includes('--blkdev') ? new Set([...ALLOWED_EXITS, 2]) : ALLOWED_EXITS;
}

/** What is wrong with a result, or undefined when every invariant holds. */
export function verdict(r: CaseResult, allowed: ReadonlySet<number> = ALLOWED_EXITS): string | undefined {
  if (r.abnormal) return r.abnormal;
  if (r.code === null || !allowed.has(r.code)) return `exit ${r.code} (allowed: ${[...allowed].join(', ')}): ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
  if (/\n\s+at .+[:(]/.test(r.stderr) || /^\s+at /m.test(r.stderr)) return `stack trace on stderr: ${r.stderr.slice(0, 300)}`;
  if (/internal error/.test(r.stderr)) return `internal error: ${r.stderr.trim()}`;
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  for (const l of lines) if (!/^mmcpstore: |^==> .* <==$/.test(l)) return `stray stderr line: ${JSON.stringify(l.slice(0, 200))}`;
  if (r.code !== 0) {
    const last = lines[lines.length - 1] ?? '';
    if (!last.startsWith('mmcpstore: ') || last.startsWith('mmcpstore: warning:')) return `exit ${r.code} without a final one-line error (last stderr line: ${JSON.stringify(last)})`;
  } else if (r.stdoutBytes === 0) return 'exit 0 with nothing on stdout';
  if (r.ms > LIMITS.caseMs) return `took ${r.ms} ms`;
  return undefined;
}

export interface Failure {
  plan: Plan;
  argv: string[];
  why: string;
}

/** Deterministic list of plans for `seed`. */
export function plansFor(seed: number, count: number): Plan[] {
  return fc.sample(planArbitrary(), { seed, numRuns: count });
}

export function imageTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mmcpstore-fuzz-'));
}

/** Writes the failing image and its plan into the corpus; returns the json path. */
export function saveToCorpus(f: Failure, image: Uint8Array, note: string): string {
  fs.mkdirSync(CORPUS_DIR, { recursive: true });
  const id = sha256(JSON.stringify(f.plan)).slice(0, 12);
  fs.writeFileSync(path.join(CORPUS_DIR, `${id}.img.gz`), gzipSync(image, { level: 9 }));
  const entry: CorpusEntry = { image: `${id}.img.gz`, commands: [f.plan.command], plan: f.plan, argv: f.argv.map((a) => (a === f.argv[2] ? '{IMAGE}' : a)), note, found: f.why };
  const file = path.join(CORPUS_DIR, `${id}.json`);
  fs.writeFileSync(file, JSON.stringify(entry, null, 2) + '\n');
  return file;
}

export interface CorpusEntry {
  /** gzipped image next to this file, or: */
  image?: string;
  /** a kernel fixture (fixtures/NAME.img.gz) */
  fixture?: string;
  /** run in a child process killed after LIMITS.caseMs (for hangs a worker cannot interrupt: native loops) */
  spawn?: boolean;
  /** statuses that count as correct (default 0, 3, 65) */
  allowedExits?: number[];
  commands?: Command[];
  /** argv with {IMAGE} in place of the image path (absent when replayedBy names the test) */
  argv: string[];
  plan?: Plan;
  note: string;
  found?: string;
  /** A library-level case kept here for the record; the named test replays it (no argv). */
  replayedBy?: string;
  /** Set while the bug is open in code the fuzzer does not own: the replay is a todo test. */
  todo?: string;
}

export function loadCorpus(): { file: string; entry: CorpusEntry }[] {
  if (!fs.existsSync(CORPUS_DIR)) return [];
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: path.join(CORPUS_DIR, f), entry: JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, f), 'utf8')) as CorpusEntry }))
    .filter(({ entry }) => Array.isArray(entry.argv));
}

export function corpusImage(entry: CorpusEntry): Uint8Array {
  if (entry.image) return new Uint8Array(gunzipSync(fs.readFileSync(path.join(CORPUS_DIR, entry.image))));
  if (entry.fixture) return fixtureImage(entry.fixture);
  throw new Error('corpus entry has neither image nor fixture');
}
