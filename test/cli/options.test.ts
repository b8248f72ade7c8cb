/**
 * Parsing, apart from behaviour (changesets' cli.test.ts): each command line
 * maps to exactly these options; the option table, the --help text and
 * docs/cli.md agree; value parsers name the option and the value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProgram, main } from '../../src/cli.js';
import { COMMANDS } from '../../src/commands/index.js';
import { UsageError } from '../../src/reader/errors.js';
import { OPTIONS, optionsFor, parseByteSize, parseMaxReason, type CliOptions } from '../../src/commands/options.js';
import { parseKib } from '../../src/commands/option-parsers.js';
import { ParamError, parseParamString } from '../../src/zone/params.js';
import { ROOT, fakeIo } from './helpers.js';

async function parse(argv: string[]): Promise<{ command: string; options: CliOptions }[]> {
  const calls: { command: string; options: CliOptions }[] = [];
  const { io } = fakeIo();
  await buildProgram(io, async (spec, options) => void calls.push({ command: spec.name, options })).parseAsync(argv, { from: 'user' });
  return calls;
}

const CASES: { args: string[]; command: string; options: CliOptions }[] = [
  { args: ['recover', '--image', 'a.img'], command: 'recover', options: { image: 'a.img' } },
  { args: ['recover', '-i', 'a.img', '-o', 'out', '-f', '-q'], command: 'recover', options: { image: 'a.img', out: 'out', force: true, quiet: true } },
  {
    args: ['inspect', '-i', 'a.img', '--offset', '2048s', '--size', '1M', '--kmsg-size', '32', '--pmsg-size=-1', '--console-size', '0', '--ftrace-size', '128', '--cpus', '4'],
    command: 'inspect',
    options: { image: 'a.img', offset: 1048576, size: 1048576, kmsgSize: 32, pmsgSize: -1, consoleSize: 0, ftraceSize: 128, cpus: 4 },
  },
  {
    args: ['inspect', '-i', 'a.img', '--max-reason', 'panic', '--kernel', '5.15', '--compress', 'none', '--params', 'pstore_blk.kmsg_size=8', '--json'],
    command: 'inspect',
    options: { image: 'a.img', maxReason: 1, kernel: '5.15', compress: 'none', params: 'pstore_blk.kmsg_size=8', json: true },
  },
  { args: ['inspect', '-i', 'a.img', '--color'], command: 'inspect', options: { image: 'a.img', color: 'always' } },
  { args: ['inspect', '-i', 'a.img', '--color=never', '--verbose', '--debug'], command: 'inspect', options: { image: 'a.img', color: 'never', verbose: true, debug: true } },
];

for (const c of CASES) {
  test(`parses: mmcpstore ${c.args.join(' ')}`, async () => {
    assert.deepEqual(await parse(c.args), [{ command: c.command, options: c.options }]);
  });
}

test('--out and --force belong to recover only', async () => {
  await assert.rejects(parse(['inspect', '-i', 'a.img', '--out', 'x']), /unknown option '--out'/);
  assert.deepEqual(optionsFor('inspect').map((o) => o.long).includes('force'), false);
});

test('byte sizes take K, M, G and s (512-byte sectors) and name the option when refused', () => {
  assert.equal(parseByteSize('offset', '4096', { allowZero: true }), 4096);
  assert.equal(parseByteSize('offset', '0x1000', { allowZero: true }), 4096);
  assert.equal(parseByteSize('size', '64K', { allowZero: false }), 65536);
  assert.equal(parseByteSize('size', '1M', { allowZero: false }), 1048576);
  assert.equal(parseByteSize('size', '2g', { allowZero: false }), 2 * 1024 ** 3);
  assert.equal(parseByteSize('offset', '2048s', { allowZero: true }), 1048576);
  assert.equal(parseByteSize('offset', '0', { allowZero: true }), 0);
  assert.throws(() => parseByteSize('size', '0', { allowZero: false }), (e: unknown) => e instanceof UsageError && /^--size: '0' must be more than 0 bytes$/.test(e.message));
  assert.throws(() => parseByteSize('offset', '-1', { allowZero: true }), /^UsageError: --offset: '-1' is not a size in bytes/);
  assert.throws(() => parseByteSize('offset', '1.5M', { allowZero: true }), /--offset: '1\.5M'/);
});

test('--max-reason takes a number or a kmsg_dump_reason name', () => {
  assert.equal(parseMaxReason('oops'), 2);
  assert.equal(parseMaxReason('Shutdown'), 4);
  assert.equal(parseMaxReason('7'), 7);
  assert.throws(() => parseMaxReason('reboot'), /--max-reason: 'reboot'/);
});

test('numbers parse the same in flags and in --params: kstrtol base 0 (0x hex, leading-0 octal, a sign)', () => {
  const flags: [string, (t: string) => number, keyof ReturnType<typeof parseParamString>['blk'], string][] = [
    ['kmsg-size', (t) => parseKib('kmsg-size', t), 'kmsgSize', 'kmsg_size'],
    ['pmsg-size', (t) => parseKib('pmsg-size', t), 'pmsgSize', 'pmsg_size'],
    ['console-size', (t) => parseKib('console-size', t), 'consoleSize', 'console_size'],
    ['ftrace-size', (t) => parseKib('ftrace-size', t), 'ftraceSize', 'ftrace_size'],
    ['max-reason', parseMaxReason, 'maxReason', 'max_reason'],
  ];
  const spellings: [string, number][] = [['64', 64], ['0x40', 64], ['0X40', 64], ['0100', 64], ['+64', 64], ['010', 8], ['0', 0], ['-1', -1]];
  for (const [flag, parseFlag, field, param] of flags) {
    for (const [text, value] of spellings) {
      assert.equal(parseFlag(text), value, `--${flag} ${text}`);
      assert.equal(parseParamString(`pstore_blk.${param}=${text}`).blk[field], value, `pstore_blk.${param}=${text}`);
    }
    for (const bad of ['08', '1e3', '0b1', '64K', '0x', 'x']) {
      assert.throws(() => parseFlag(bad), UsageError, `--${flag} ${bad} is refused`);
      assert.throws(() => parseParamString(`pstore_blk.${param}=${bad}`), ParamError, `pstore_blk.${param}=${bad} is refused`);
    }
  }
});

test('every option of the table is in --help and in docs/cli.md; every --help ends with examples', async () => {
  const docs = fs.readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');
  for (const o of OPTIONS) assert.ok(docs.includes(`--${o.long}`), `docs/cli.md documents --${o.long}`);
  for (const spec of COMMANDS) {
    const { io, out } = fakeIo();
    assert.equal(await main([spec.name, '--help'], io), 0);
    const help = out.text;
    for (const o of optionsFor(spec.name)) assert.ok(help.includes(`--${o.long}`), `${spec.name} --help shows --${o.long}`);
    assert.match(help, /\nExamples:\n(  \$ mmcpstore .*\n {6}.*\n)+$/, `${spec.name} --help ends with examples`);
    assert.ok(docs.includes(`## ${spec.name}`) || docs.includes(`## \`mmcpstore ${spec.name}\``), `docs/cli.md has a section for ${spec.name}`);
  }
});

test('explicit flags are absent unless given, so --params values are not overridden by defaults', async () => {
  const [call] = await parse(['recover', '-i', 'a.img', '--params', 'pstore_blk.kmsg_size=32']);
  assert.equal(call!.options.kmsgSize, undefined);
});
