/**
 * Seeded random sequences of kmsg/pmsg/console/ftrace writes over several
 * boots are recovered exactly, against a simple model of what each zone
 * must hold: ring wrap, counters past the number of zones, both encoders.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KmsgDumpReason, LinesDumpIter, pakoDeflateRaw } from '../../src/zone/index.js';
import { bytes, rig, text } from './helpers-zone.js';

type Op =
  | { kind: 'dump'; reason: number; lines: string[] }
  | { kind: 'pmsg'; data: string }
  | { kind: 'console'; data: string }
  | { kind: 'ftrace'; cpu: number; ip: number }
  | { kind: 'reboot' };

const line = fc.string({ minLength: 0, maxLength: 120, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 :[]()-_.'.split('')) });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('dump' as const), reason: fc.constantFrom(1, 2, 3, 4), lines: fc.array(line, { minLength: 1, maxLength: 200 }) }),
  fc.record({ kind: fc.constant('pmsg' as const), data: fc.string({ minLength: 1, maxLength: 3000 }) }),
  fc.record({ kind: fc.constant('console' as const), data: fc.string({ minLength: 1, maxLength: 3000 }) }),
  fc.record({ kind: fc.constant('ftrace' as const), cpu: fc.integer({ min: 0, max: 1 }), ip: fc.nat() }),
  fc.constant({ kind: 'reboot' as const }),
);

const K = 1024;
const PARAMS = { kmsgSize: 4, pmsgSize: 4, consoleSize: 4, ftraceSize: 4, maxReason: 4 };
const SIZE = 64 * K;
const RING = 4 * K - 12;

for (const [name, encoder] of [['linux', 'linux'], ['pako', pakoDeflateRaw]] as const) {
  test(`random write sequences are recovered exactly (${name} deflate)`, () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.boolean(), (ops, compress) => {
        const image = new Uint8Array(SIZE);
        let r = rig(SIZE, PARAMS, { bytes: image, nrCpus: 2, compress: compress ? 'deflate' : 'none', encoder });
        // Model: per kmsg zone the last dump text; rings hold what this boot wrote.
        const kmsgZones = r.core.zone.kmsgMaxCnt;
        const zones = new Map<number, { reasonCounter: number; reason: number; lastLine: string }>();
        // A ring not written in a boot keeps what the previous boot left on disk.
        const rings = { pmsg: { now: '', kept: '' }, console: { now: '', kept: '' } };
        const ftrace = [0, 1].map(() => ({ now: 0, kept: 0 }));
        let onPanic = false;
        let counters = { oops: 0, panic: 0 };
        let boot = 0;
        for (const o of ops) {
          r.clock.sec += 1n;
          if (o.kind === 'reboot') {
            r.core.zone.unregister();
            boot++;
            const sec = r.clock.sec;
            r = rig(SIZE, PARAMS, { bytes: image, nrCpus: 2, compress: compress ? 'deflate' : 'none', encoder });
            r.clock.sec = sec;
            for (const ring of [rings.pmsg, rings.console]) if (ring.now) [ring.kept, ring.now] = [ring.now, ''];
            for (const f of ftrace) if (f.now) [f.kept, f.now] = [f.now, 0];
            onPanic = false;
            continue;
          }
          if (o.kind === 'dump') {
            const zone = r.core.zone.kmsgWriteCnt;
            const lines = o.lines.map((l, i) => `<6>[${String(i).padStart(5)}.000000] ${l}\n`);
            r.core.dump(o.reason, new LinesDumpIter(lines));
            let c = 0;
            if (o.reason === KmsgDumpReason.OOPS) c = ++counters.oops;
            if (o.reason === KmsgDumpReason.PANIC) {
              c = ++counters.panic;
              onPanic = true;
            }
            zones.set(zone, { reasonCounter: c, reason: o.reason, lastLine: lines.at(-1)! });
          } else if (onPanic) {
            continue;
          } else if (o.kind === 'pmsg') {
            r.core.writePmsg(bytes(o.data));
            rings.pmsg.now += o.data;
          } else if (o.kind === 'console') {
            r.core.writeConsole(bytes(o.data));
            rings.console.now += o.data;
          } else {
            r.core.writeFtrace(BigInt(o.ip), 1n, o.cpu);
            ftrace[o.cpu]!.now++;
          }
        }
        r.core.zone.unregister();
        const files = rig(SIZE, PARAMS, { bytes: image, nrCpus: 2 }).core.readFiles();
        const dmesg = files.filter((f) => f.typeName === 'dmesg');
        assert.deepEqual(dmesg.map((f) => f.id).sort(), [...zones.keys()].sort());
        for (const f of dmesg) {
          const want = zones.get(f.id)!;
          assert.equal(f.count, want.reasonCounter);
          assert.equal(f.reason, want.reason);
          assert.ok(text(f.data).endsWith(want.lastLine), 'the newest line is in the dump');
        }
        assert.ok(kmsgZones > 0);
        const enc = (s: string): string => text(bytes(s));
        const ring = (x: { now: string; kept: string }): string => enc(x.now || x.kept).slice(-RING);
        assert.equal(text(files.find((f) => f.typeName === 'pmsg')?.data ?? new Uint8Array()), ring(rings.pmsg));
        assert.equal(text(files.find((f) => f.typeName === 'console')?.data ?? new Uint8Array()), ring(rings.console));
        // Each CPU's zone holds its newest calls; a wrapped ring loses a partial record first.
        const FTRACE_RING = 2 * K - 12;
        const wantLines = ftrace.reduce((n, f) => n + Math.floor(Math.min((f.now || f.kept) * 24, FTRACE_RING) / 24), 0);
        const ftraceFile = files.find((f) => f.typeName === 'ftrace');
        assert.equal(ftraceFile ? text(ftraceFile.data).split('\n').filter(Boolean).length : 0, wantLines);
        void boot;
      }),
      { seed: name === 'linux' ? 20261124 : 7, numRuns: 60 },
    );
  });
}
