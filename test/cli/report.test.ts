/**
 * `mmcpstore report`: the HTML page parsed with parse5 (a maintained, spec-compliant HTML
 * parser, so the checks see the page as a browser builds it) and every part checked against
 * what inspect and recover print for the same image: on a kernel-written fixture, on a whole
 * card made with mkimage + panic (with --from-panic), with hostile record text, twice for the
 * same bytes, and on bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';
import { kernelReadDir, runCli, sidecar, tempDir, unpack } from './helpers.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const SOURCE_DATE_EPOCH = '1735689600';

function isElement(n: Node): n is Element {
  return 'tagName' in n;
}

/** Every element under `n`, in document order (template contents and SVG included). */
function elements(n: Node): Element[] {
  const out: Element[] = [];
  const walk = (x: Node): void => {
    if (isElement(x)) out.push(x);
    if ('childNodes' in x) for (const c of x.childNodes) walk(c);
  };
  walk(n);
  return out;
}

function attr(e: Element, name: string): string | undefined {
  return e.attrs.find((a) => a.name === name)?.value;
}

function text(n: Node): string {
  if (n.nodeName === '#text') return (n as DefaultTreeAdapterMap['textNode']).value;
  return 'childNodes' in n ? n.childNodes.map(text).join('') : '';
}

function byClass(root: Node, tag: string, cls: string): Element[] {
  return elements(root).filter((e) => e.tagName === tag && (attr(e, 'class') ?? '').split(' ').includes(cls));
}

function byId(root: Node, id: string): Element {
  const e = elements(root).find((x) => attr(x, 'id') === id);
  assert.ok(e, `#${id} exists`);
  return e;
}

function child(e: Element, tag: string): Element | undefined {
  return e.childNodes.find((c): c is Element => isElement(c) && c.tagName === tag);
}

/** The page is one file: no script, nothing fetched, no event handler anywhere. */
function assertSelfContained(doc: Node): void {
  for (const e of elements(doc)) {
    assert.notEqual(e.tagName, 'script', 'no <script>');
    assert.notEqual(e.tagName, 'link', 'no <link>');
    assert.notEqual(e.tagName, 'img', 'no <img>');
    assert.notEqual(e.tagName, 'iframe', 'no <iframe>');
    for (const a of e.attrs) {
      assert.doesNotMatch(a.name, /^on/i, `no event handler (${e.tagName} ${a.name})`);
      if (a.name === 'src') assert.fail(`no src attribute (${e.tagName})`);
      if (a.name === 'href') assert.match(a.value, /^#/, 'links stay inside the page');
    }
  }
  const style = elements(doc).filter((e) => e.tagName === 'style').map(text).join('');
  assert.doesNotMatch(style, /@import|url\(/, 'the style sheet fetches nothing');
}

function page(html: Buffer | string): Node {
  return parse(html.toString());
}

interface InspectJson {
  zones: { kind: string; index: number; offset: number; size: number; status: string }[];
  records: { name: string; reason: string | null; count: number | null; time: string | null; timeSec: number; id: number }[];
  params: { cmdline: string };
  explain: { zones: { kind: string; index: number; text: string }[]; hints: { text: string }[] };
}

function inspectJson(args: string[], env?: Record<string, string>): InspectJson {
  const r = runCli(['inspect', ...args, '--explain', '--json'], env ? { env } : {});
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.toString('utf8')) as InspectJson;
}

test('report of a kernel-written image: image, zone map, every record in full, timeline, explanations', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-deflate', dir);
  const args = ['-i', image, '--kmsg-size', '64'];
  const r = runCli(['report', ...args]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const doc = page(r.stdout);
  assertSelfContained(doc);
  const want = inspectJson(args);

  const title = elements(doc).find((e) => e.tagName === 'title');
  assert.ok(title && text(title).includes(image));
  const imageSection = text(byId(doc, 'image'));
  assert.ok(imageSection.includes(image));
  assert.ok(imageSection.includes(want.params.cmdline), 'the parameters registered');

  // The zone map: one SVG box per zone, in disk order, with offset, size and state.
  const zones = byId(doc, 'zones');
  const svg = elements(zones).find((e) => e.tagName === 'svg');
  assert.ok(svg, 'the zone map is SVG');
  const boxes = byClass(svg, 'g', 'zone');
  assert.deepEqual(
    boxes.map((b) => [attr(b, 'data-kind'), Number(attr(b, 'data-index')), Number(attr(b, 'data-offset')), Number(attr(b, 'data-size'))]),
    want.zones.map((z) => [z.kind, z.index, z.offset, z.size]),
  );
  const states = boxes.map((b) => attr(b, 'data-state'));
  want.zones.forEach((z, i) => assert.equal(states[i] === 'valid' || states[i] === 'newest', z.status === 'ok', `zone ${i}: ${z.status} -> ${states[i]}`));
  assert.equal(states.filter((s) => s === 'newest').length, 1, 'one zone holds the newest dump');
  for (const b of boxes) assert.ok(child(b, 'title'), 'each box names its zone');
  const legend = byClass(zones, 'ul', 'legend')[0]!;
  assert.deepEqual(new Set(elements(legend).filter((e) => e.tagName === 'li').map((e) => attr(e, 'data-state'))), new Set(states));

  // Every record the kernel showed, with its reason, count, time and full text.
  const kernel = sidecar('virtio-1m-kmsg64-deflate').records_reported_by_kernel;
  const records = byClass(byId(doc, 'records'), 'details', 'record');
  assert.deepEqual(records.map((d) => attr(d, 'data-name')), kernel.map((k) => k.name));
  records.forEach((d, i) => {
    const summary = text(child(d, 'summary')!);
    const rec = want.records[i]!;
    assert.ok(summary.includes(`${rec.reason}#${rec.count}`), summary);
    assert.ok(summary.includes(rec.time!), summary);
    assert.equal(rec.reason, kernel[i]!.reason);
    const body = child(d, 'pre')!;
    assert.equal(text(body), fs.readFileSync(path.join(kernelReadDir('virtio-1m-kmsg64-deflate'), kernel[i]!.name), 'utf8'), `${kernel[i]!.name}: the full text`);
  });

  // The timeline: time order as recover --timeline picks its dump, then its merged text.
  const timeline = byId(doc, 'timeline');
  const order = [...want.records].sort((a, b) => a.timeSec - b.timeSec || a.id - b.id).map((x) => x.name);
  assert.deepEqual(byClass(timeline, 'li', 'ev').map((li) => attr(li, 'data-name')), order);
  assert.equal(byClass(timeline, 'li', 'newest').map((li) => attr(li, 'data-name'))[0], order[order.length - 1]);
  const merged = runCli(['recover', ...args, '--timeline']);
  assert.equal(merged.status, 0, merged.stderr);
  assert.equal(text(child(byClass(timeline, 'details', 'merged')[0]!, 'pre')!), merged.stdout.toString('utf8'));

  // The --explain findings, every zone's and every hint.
  const explain = text(byId(doc, 'explain'));
  for (const z of want.explain.zones) assert.ok(explain.includes(z.text), z.text);
  for (const h of want.explain.hints) assert.ok(explain.includes(h.text), h.text);
  assert.equal(elements(doc).some((e) => attr(e, 'id') === 'panic'), false, 'no panic path without --from-panic');
});

test('report of a whole card made by mkimage + panic, with the panic path of --from-panic', (t) => {
  const dir = tempDir(t);
  const env = { SOURCE_DATE_EPOCH };
  const image = path.join(dir, 'card.img');
  assert.equal(runCli(['mkimage', '-i', image, '--size', '64M', '--pstore-size', '256K', '-q'], { env }).status, 0);
  const panic = runCli(['panic', '-i', image, '--json', '-q', '-m', 'report test panic'], { env });
  assert.equal(panic.status, 0, panic.stderr);
  const panicJson = path.join(dir, 'panic.json');
  fs.writeFileSync(panicJson, panic.stdout);
  const run = JSON.parse(panic.stdout.toString('utf8')) as { blkdev: string; panic: { phases: { name: string; t: number }[]; zoneOffset: number } };
  const out = path.join(dir, 'report.html');
  const r = runCli(['report', '-i', image, '--from-panic', panicJson, '-o', out], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.length, 0, 'with --out, nothing on stdout');
  assert.match(r.stderr, /^mmcpstore: wrote .*report\.html \(\d+ bytes\)\n$/);
  const doc = page(fs.readFileSync(out));
  assertSelfContained(doc);

  // The card: its partition table, the pstore partition marked.
  const parts = byClass(byId(doc, 'image'), 'table', 'parts')[0]!;
  const rows = elements(parts).filter((e) => e.tagName === 'tr' && child(e, 'td'));
  assert.equal(rows.length, 7, 'mkimage makes seven partitions');
  const pstore = rows.filter((e) => attr(e, 'class') === 'pstore');
  assert.equal(pstore.length, 1);
  assert.ok(text(pstore[0]!).includes('pstore'));

  // The record the panic wrote, through the card.
  const records = byClass(byId(doc, 'records'), 'details', 'record');
  assert.deepEqual(records.map((d) => attr(d, 'data-name')), ['dmesg-pstore_blk-0']);
  assert.ok(text(records[0]!).includes('Kernel panic - not syncing: report test panic'));

  // The panic path: one bar segment and one table row per phase, in the JSON's order.
  const section = byId(doc, 'panic');
  assert.ok(text(section).includes(run.blkdev));
  assert.ok(byClass(section, 'span', 't-ok').length === 1, 'written');
  const segments = byClass(section, 'g', 'phase');
  assert.deepEqual(segments.map((g) => [attr(g, 'data-name'), Number(attr(g, 'data-t'))]), run.panic.phases.map((p) => [p.name, p.t]));
  const phaseRows = elements(byClass(section, 'table', 'phases')[0]!).filter((e) => e.tagName === 'tr' && child(e, 'td'));
  assert.equal(phaseRows.length, run.panic.phases.length);
});

test('report colours damaged zones by their verdict and warns as inspect does', (t) => {
  const dir = tempDir(t);
  const image = unpack('mmc-256k-kmsg64-wrap', dir);
  const ZONE = 0x10000;
  const DATALEN_OFFSET = 4;
  const KMSG_MAGIC_OFFSET = 12;
  const bytes = fs.readFileSync(image);
  bytes.writeUInt32LE(0x7fffffff, ZONE + DATALEN_OFFSET); // kmsg 1: datalen past its buffer
  bytes.writeUInt32LE(0, 2 * ZONE + KMSG_MAGIC_OFFSET); // kmsg 2: no dmesg header magic
  fs.writeFileSync(image, bytes);
  const args = ['-i', image, '--kmsg-size', '64'];
  const want = runCli(['inspect', ...args]);
  const r = runCli(['report', ...args]);
  assert.equal(r.status, want.status);
  assert.equal(r.stderr, want.stderr, 'the same warnings');
  assert.match(r.stderr, /kmsg zone 1 skipped \(overtop\)/);
  const doc = page(r.stdout);
  const zones = byId(doc, 'zones');
  assert.deepEqual(byClass(zones, 'g', 'zone').map((g) => attr(g, 'data-state')), ['newest', 'overtop', 'invalid', 'valid']); // kmsg 0: the Shutdown of 00:20:04 is the newest dump
  const legend = elements(byClass(zones, 'ul', 'legend')[0]!).filter((e) => e.tagName === 'li').map((e) => attr(e, 'data-state'));
  assert.deepEqual(legend, ['newest', 'valid', 'overtop', 'invalid']);
  const header = elements(doc).find((e) => e.tagName === 'header')!;
  assert.match(text(header), /2 zones damaged/);
  assert.match(text(byId(doc, 'explain')), /kmsg 1: header fields out of range/);
});

test('report escapes record text: </script> and <img onerror> stay text', (t) => {
  const dir = tempDir(t);
  const env = { SOURCE_DATE_EPOCH };
  const image = path.join(dir, 'card.img');
  assert.equal(runCli(['mkimage', '-i', image, '--size', '64M', '--pstore-size', '256K', '-q'], { env }).status, 0);
  const hostile = '</script><script>alert(1)</script><img src=x onerror="alert(2)">&amp;\'"';
  assert.equal(runCli(['panic', '-i', image, '-q', '-m', hostile], { env }).status, 0);
  const r = runCli(['report', '-i', image, '--params', 'pstore_blk.kmsg_size=64'], { env });
  assert.equal(r.status, 0, r.stderr);
  const doc = page(r.stdout);
  assertSelfContained(doc);
  const record = byClass(byId(doc, 'records'), 'details', 'record')[0]!;
  assert.ok(text(child(record, 'pre')!).includes(`Kernel panic - not syncing: ${hostile}`), 'the text survives unchanged');
  assert.ok(text(record).includes(hostile), 'and in the headline');
});

test('report is deterministic: the same inputs give the same bytes, on stdout or in --out', (t) => {
  const dir = tempDir(t);
  const image = unpack('mmc-256k-kmsg64-wrap', dir);
  const a = runCli(['report', '-i', image]);
  const b = runCli(['report', '-i', image]);
  assert.equal(a.status, 0, a.stderr);
  assert.ok(a.stdout.equals(b.stdout));
  const out = path.join(dir, 'r.html');
  assert.equal(runCli(['report', '-i', image, '-o', out, '-q']).status, 0);
  assert.ok(fs.readFileSync(out).equals(a.stdout));
});

test('report fails as inspect does on bad input, and with 73 when --out cannot be written', (t) => {
  const dir = tempDir(t);
  const missing = path.join(dir, 'missing.img');
  for (const args of [[], ['-i', missing], ['-i', missing, '--kmsg-size', '0']]) {
    const want = runCli(['inspect', ...args]);
    const got = runCli(['report', ...args]);
    assert.equal(got.status, want.status, `report ${args.join(' ')}`);
    assert.equal(got.stderr, want.stderr);
    assert.equal(got.stdout.length, 0);
  }
  const image = unpack('mmc-256k-kmsg64-wrap', dir);
  const unwritable = runCli(['report', '-i', image, '-o', path.join(dir, 'no-such-dir', 'r.html')]);
  assert.equal(unwritable.status, 73);
  assert.match(unwritable.stderr, /^mmcpstore: cannot write report '.*r\.html': No such file or directory\n$/);

  const notJson = runCli(['report', '-i', image, '--from-panic', image]);
  assert.equal(notJson.status, 2);
  assert.match(notJson.stderr, /--from-panic: '.*' is not the output of 'mmcpstore panic --json': not JSON/);
  const noPanic = runCli(['report', '-i', image, '--from-panic', missing]);
  assert.equal(noPanic.status, 66);
  const two = runCli(['report', '-i', image, '-i', image]);
  assert.equal(two.status, 2);
  assert.equal(two.stderr, 'mmcpstore: report reads one image: give one --image FILE\n');

  // No record: the page is still written (it shows why), and the exit is inspect's 3.
  const blank = path.join(dir, 'blank.img');
  fs.writeFileSync(blank, new Uint8Array(256 * 1024));
  const want = runCli(['inspect', '-i', blank, '--kmsg-size', '64']);
  const got = runCli(['report', '-i', blank, '--kmsg-size', '64']);
  assert.equal(want.status, 3);
  assert.equal(got.status, 3);
  assert.equal(got.stderr, want.stderr);
  const doc = page(got.stdout);
  assertSelfContained(doc);
  assert.equal(byClass(byId(doc, 'records'), 'details', 'record').length, 0);
  assert.equal(byClass(byId(doc, 'zones'), 'g', 'zone').length, 4);
});
