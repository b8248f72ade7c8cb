import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PrintkRing, PRINTKRB_RECORD_MAX, type Console } from '../../src/driver/system/printk-ring.js';
import { LinesDumpIter } from '../../src/zone/platform.js';
import { formatSyslog } from '../../src/driver/printk-format.js';

const dec = new TextDecoder();

/** A ring whose clock ticks 1 ms per printk, from 1 ms. */
function ring(options: Partial<ConstructorParameters<typeof PrintkRing>[0]> = {}): PrintkRing {
  let t = 0n;
  return new PrintkRing({ clock: () => (t += 1_000_000n), ...options });
}

function text(b: Uint8Array | null): string | null {
  return b === null ? null : dec.decode(b);
}

describe('printk ring: record rendering', () => {
  it('prefixes a record with <facility << 3 | level> and the [%5lu.%06lu] time', () => {
    const r = ring();
    r.printk(3, 'mmc0: error', 0);
    r.printk(6, 'from /dev/kmsg', 1);
    assert.equal(r.syslogText(), '<3>[    0.001000] mmc0: error\n<14>[    0.002000] from /dev/kmsg\n');
  });

  it('gives every line of a multi-line record the same prefix and keeps it one record', () => {
    const r = ring();
    const seq = r.printk(4, 'first\nsecond\n\nfourth');
    assert.equal(r.records.length, 1);
    assert.equal(r.record(seq)!.textLen, 'first\nsecond\n\nfourth'.length);
    assert.equal(
      r.syslogText(),
      '<4>[    0.001000] first\n<4>[    0.001000] second\n<4>[    0.001000] \n<4>[    0.001000] fourth\n',
    );
  });

  it('drops one trailing newline as vprintk_store() does, and maps LOGLEVEL_DEFAULT to level 4', () => {
    const r = ring();
    r.printk(-1, 'no level given\n');
    assert.equal(r.records[0]!.text, 'no level given');
    assert.equal(r.syslogText(), '<4>[    0.001000] no level given\n');
  });

  it('truncates text to PRINTKRB_RECORD_MAX - 1 bytes', () => {
    const r = ring();
    r.printk(6, 'x'.repeat(5000));
    assert.equal(r.records[0]!.textLen, PRINTKRB_RECORD_MAX - 1);
  });

  it('renders without the time when printk.time is off (no space after <prio>)', () => {
    const r = ring({ time: false });
    r.printk(6, 'plain');
    assert.equal(r.syslogText(), '<6>plain\n');
  });

  it('adds the [%6s] caller field right after the time with CONFIG_PRINTK_CALLER', () => {
    const r = ring({ caller: true, callerId: () => 'T42' });
    r.printk(6, 'who');
    assert.equal(r.syslogText(), '<6>[    0.001000][   T42] who\n');
  });
});

describe('printk ring: kmsg_dump_get_buffer()', () => {
  // Five records of the same rendered length L.
  function five(): { r: PrintkRing; L: number; lines: string[] } {
    const r = ring();
    for (let i = 0; i < 5; i++) r.printk(6, `record ${i}`);
    const lines = r.records.map((x) => formatSyslog(x));
    const L = Buffer.byteLength(lines[0]!);
    assert.ok(lines.every((l) => Buffer.byteLength(l) === L));
    return { r, L, lines };
  }

  it('returns the newest records that fit in exactly size - 1 bytes', () => {
    const { r, L, lines } = five();
    assert.equal(text(r.dumpIter().getBuffer(3 * L + 1)), lines.slice(2).join(''));
    // One byte less and the oldest of the three no longer fits: the terminator needs its byte.
    assert.equal(text(r.dumpIter().getBuffer(3 * L)), lines.slice(3).join(''));
  });

  it('copies whole records only, never part of one', () => {
    const { r, L, lines } = five();
    const out = text(r.dumpIter().getBuffer(2 * L + L / 2))!;
    assert.equal(out, lines.slice(3).join(''));
    assert.equal(Buffer.byteLength(out), 2 * L);
  });

  it('continues with the block of older records on the next call (Part2), then reports the end', () => {
    const { r, L, lines } = five();
    const it = r.dumpIter();
    assert.equal(text(it.getBuffer(2 * L + 1)), lines[3]! + lines[4]!);
    assert.equal(text(it.getBuffer(2 * L + 1)), lines[1]! + lines[2]!);
    assert.equal(text(it.getBuffer(2 * L + 1)), lines[0]!);
    assert.equal(it.getBuffer(2 * L + 1), null);
  });

  it('gives an empty buffer, not the end, when the newest record alone is larger than size - 1; the iterator stays put', () => {
    const r = ring();
    r.printk(6, 'small');
    r.printk(6, 'a much longer newest record that cannot fit');
    const it = r.dumpIter();
    const empty = it.getBuffer(30);
    assert.ok(empty !== null);
    assert.equal(empty.length, 0);
    assert.equal(it.getBuffer(30)!.length, 0, 'the same answer again: nothing was consumed');
    assert.equal(text(it.getBuffer(4096)), r.syslogText());
  });

  it('returns null for an empty ring and for size 0', () => {
    assert.equal(ring().dumpIter().getBuffer(1024), null);
    const r = ring();
    r.printk(6, 'x');
    assert.equal(r.dumpIter().getBuffer(0), null);
    assert.equal(r.dumpIter().getBuffer(1)!.length, 0);
  });

  it('counts a multi-line record as prefix * lines + text + 1 when fitting', () => {
    const r = ring();
    r.printk(6, 'older');
    r.printk(4, 'l1\nl2');
    const multi = formatSyslog(r.records[1]!);
    const n = Buffer.byteLength(multi);
    assert.equal(n, 2 * 18 + 'l1\nl2'.length + 1);
    assert.equal(text(r.dumpIter().getBuffer(n + 1)), multi);
    assert.equal(r.dumpIter().getBuffer(n)!.length, 0);
  });

  it('agrees with the zone layer\'s LinesDumpIter for single-line records and any sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 0, maxLength: 60 }).map((s) => s.replace(/\n/g, ' ')), { minLength: 0, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
        (texts, sizes) => {
          const r = ring();
          for (const t of texts) r.printk(6, t);
          const ours = r.dumpIter();
          const ref = new LinesDumpIter(r.records.map((x) => formatSyslog(x)));
          for (const s of sizes) {
            const a = ours.getBuffer(s);
            const b = ref.getBuffer(s);
            assert.deepEqual(a === null ? null : text(a), b === null ? null : text(b));
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('does not include records printed after the iterator was rewound', () => {
    const r = ring();
    r.printk(6, 'before');
    const it = r.dumpIter();
    r.printk(6, 'after');
    assert.equal(text(it.getBuffer(4096)), '<6>[    0.001000] before\n');
  });

  it('starts after clear_seq once the log was cleared (dmesg -C)', () => {
    const r = ring();
    r.printk(6, 'old');
    r.clear();
    r.printk(6, 'new');
    assert.equal(text(r.dumpIter().getBuffer(4096)), '<6>[    0.002000] new\n');
  });
});

describe('printk ring: capacity', () => {
  it('drops the oldest records when log_buf_len is exceeded, keeping sequence numbers', () => {
    const r = ring({ logBufLen: 4096 });
    for (let i = 0; i < 200; i++) r.printk(6, `line number ${String(i).padStart(3, '0')} of the log`);
    assert.equal(r.nextSeq, 200);
    assert.ok(r.firstSeq > 0, 'some records were dropped');
    assert.equal(r.dropped, r.firstSeq);
    assert.deepEqual(
      r.records.map((x) => x.seq),
      Array.from({ length: 200 - r.firstSeq }, (_, i) => r.firstSeq + i),
    );
    // What survives fits the data ring: id + text + newline + NUL per block, 8-aligned.
    const used = r.records.reduce((n, x) => n + Math.ceil((8 + x.textLen + 2) / 8) * 8, 0);
    assert.ok(used <= 4096, `${used} bytes live`);
    assert.ok(used > 4096 - 2 * 56, 'and the ring is nearly full, not emptied');
    const dump = text(r.dumpIter().getBuffer(1 << 20))!;
    assert.ok(dump.startsWith(`<6>[    0.${String((r.firstSeq + 1) * 1000).padStart(6, '0')}] line number ${String(r.firstSeq).padStart(3, '0')}`));
    assert.ok(dump.endsWith('line number 199 of the log\n'));
  });

  it('keeps at most log_buf_len >> 5 records (the descriptor ring)', () => {
    const r = ring({ logBufLen: 2048 });
    for (let i = 0; i < 100; i++) r.printk(6, '');
    assert.equal(r.records.length, 2048 >> 5);
    assert.equal(r.records[r.records.length - 1]!.seq, 99);
  });

  it('moves an iterator past records dropped after it was rewound', () => {
    const r = ring({ logBufLen: 1024 });
    for (let i = 0; i < 5; i++) r.printk(6, `early ${i}`);
    const it = r.dumpIter();
    for (let i = 0; i < 100; i++) r.printk(6, `later ${i}`);
    // Everything the iterator covered is gone.
    assert.equal(it.getBuffer(1 << 16), null);
  });
});

describe('printk ring: consoles', () => {
  function recorder(): Console & { out: string[] } {
    const out: string[] = [];
    return { name: 'rec', out, write: (t) => out.push(t) };
  }

  it('writes console text (no <prio>) for records below console_loglevel only', () => {
    const r = ring();
    const c = recorder();
    r.registerConsole(c);
    r.printk(3, 'error');
    r.printk(7, 'debug');
    assert.deepEqual(c.out, ['[    0.001000] error\n']);
  });

  it('lets every level through after console_verbose() (panic/oops)', () => {
    const r = ring();
    const c = recorder();
    r.registerConsole(c);
    r.consoleVerbose();
    r.printk(7, 'debug now visible');
    assert.deepEqual(c.out, ['[    0.001000] debug now visible\n']);
  });

  it('replays the existing records on registration with CON_PRINTBUFFER', () => {
    const r = ring();
    r.printk(6, 'a');
    r.printk(6, 'b\nc');
    const c = recorder();
    r.registerConsole(c, { printBuffer: true });
    assert.deepEqual(c.out, ['[    0.001000] a\n', '[    0.002000] b\n[    0.002000] c\n']);
  });
});
