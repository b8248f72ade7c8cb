/**
 * The report's renderer without the CLI: the escaping template, the headline of a dump, the
 * hex dump of a record that is not text, and the `panic --json` reader's refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html } from '../../src/commands/render/html/escape.js';
import { headline, hexDump, recordText } from '../../src/commands/render/html/records.js';
import { panicRunFrom } from '../../src/commands/render/html/panic-json.js';

test('every interpolated value is escaped; only html`` markup passes as markup', () => {
  const hostile = `</pre><script>alert("x")</script><img src=x onerror='y'>&`;
  assert.equal(escapeHtml(hostile), '&lt;/pre&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;&amp;');
  const inner = html`<b>${hostile}</b>`;
  assert.equal(html`<p title="${hostile}">${inner}${[hostile, 1, null, undefined, false]}</p>`.text, `<p title="${escapeHtml(hostile)}"><b>${escapeHtml(hostile)}</b>${escapeHtml(hostile)}1</p>`);
  // HTML has no text for C0 controls: they show as their control pictures.
  assert.equal(escapeHtml('a\x00b\x1bc\x7f\td\n'), 'a\u2400b\u241bc\u2421\td\n');
});

test('the headline of a dump is its most telling line', () => {
  const log = '<4>[ 1.0] WARNING: CPU: 0 PID: 1 at x\n<0>[ 2.0] Internal error: Oops: 96 [#1] SMP\n<0>[ 3.0] Kernel panic - not syncing: Oops: Fatal exception\n';
  assert.equal(headline(log), 'Kernel panic - not syncing: Oops: Fatal exception');
  assert.equal(headline('Oops: Total 2 times\nOops#2 Part1\n<1>[ 1.0] BUG: kernel NULL pointer dereference\n'), 'BUG: kernel NULL pointer dereference');
  assert.equal(headline('Oops: Total 2 times\n'), null, 'the pstore header line is not an oops');
  assert.equal(headline(null), null);
});

test('a record that is not UTF-8 shows as hexdump -C does', () => {
  const data = new Uint8Array([0x78, 0x9c, 0xff, 0x00, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d]);
  assert.equal(recordText(data), null);
  assert.equal(hexDump(data), '00000000  78 9c ff 00 41 42 43 44  45 46 47 48 49 4a 4b 4c  |x...ABCDEFGHIJKL|\n00000010  4d                                                |M|');
  assert.equal(recordText(new TextEncoder().encode('text\n')), 'text\n');
});

test('--from-panic refuses what is not the output of panic --json, saying why', () => {
  assert.equal(panicRunFrom('\x00\x01 binary'), 'not JSON');
  assert.equal(panicRunFrom('[]'), 'no "panic" object');
  assert.equal(panicRunFrom('{"panic":{}}'), '"panic.phases" is not a list');
  assert.equal(panicRunFrom('{"panic":{"outcome":"written","panicWriteNs":0,"phases":[{"t":"1","name":"x"}]}}'), '"t" is not a number');
  const ok = panicRunFrom('{"image":"a.img","blkdev":"/dev/mmcblk0p6","driver":"fixed","panic":{"outcome":"lost","reason":"r","panic":"halted","panicWriteNs":0,"phases":[{"t":5,"name":"claim","detail":"forced","irqsOff":true}],"writes":[],"notes":["n"]}}');
  assert.deepEqual(ok, { image: 'a.img', blkdev: '/dev/mmcblk0p6', driver: 'fixed', outcome: 'lost', reason: 'r', end: 'halted', panicWriteNs: 0, phases: [{ t: 5, name: 'claim', detail: 'forced', irqsOff: true }], writes: [], notes: ['n'] });
});
