/**
 * Every exit status of docs/errors.md, each produced by a real situation
 * through the spawned CLI, with its one-line `mmcpstore: ...` message and no
 * stack trace (except with --debug).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PstoreType, encodePszBuffer, zoneSignature } from '../../src/zone/index.js';
import { EXIT, exitCodeFor, CliError, UsageError, BrokenPipeError } from '../../src/reader/errors.js';
import { CLI_FROM_SOURCE, runCli, runShell, tempDir, unpack } from './helpers.js';
import { CLI_BIN } from '../helpers/paths.js';
import type { CliEntry } from '../helpers/run-cli.js';

/** One line on stderr, starting `mmcpstore: `, no stack. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 1, `exactly one line, got: ${stderr}`);
  assert.match(lines[0]!, /^mmcpstore: /);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
}

test('0: --help and --version print to stdout and succeed', () => {
  const help = runCli(['recover', '--help']);
  assert.equal(help.status, 0);
  assert.equal(help.stderr, '');
  assert.match(help.stdout.toString(), /--kmsg-size <KB>/);
  assert.match(help.stdout.toString(), /Examples:\n {2}\$ mmcpstore recover --image pstore\.img/);
  const v = runCli(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout.toString(), /^\d+\.\d+\.\d+\n$/);
});

test('2: an unknown option, a bad value, a missing --image, conflicting options', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const cases: [string[], RegExp][] = [
    [['recover', '-i', image, '--bogus'], /^mmcpstore: unknown option '--bogus'/],
    [['recover', '-i', image, '--kmsg-size', 'lots'], /^mmcpstore: --kmsg-size: 'lots' is not a whole number of KiB/],
    [['recover', '-i', image, '--size', '1Q'], /^mmcpstore: --size: '1Q' is not a size in bytes/],
    [['recover', '-i', image, '--color', 'sometimes'], /^mmcpstore: --color: 'sometimes' is not one of auto, always, never$/],
    [['recover', '-i', image, '--params', 'pstore_blk.kmsg_size=big'], /^mmcpstore: --params: pstore_blk\.kmsg_size: 'big' is not a number$/],
    [['recover', '-i', image, '--kernel', '4.19'], /^mmcpstore: --kernel: pstore\/zone first appeared in Linux 5\.8/],
    [['recover'], /^mmcpstore: --image FILE is required/],
    [['recover', '-i', image, '--json', '--out', dir], /^mmcpstore: option '-o, --out <DIR>' cannot be used with option '--json'/],
    [['unpack-it'], /^mmcpstore: unknown command 'unpack-it'/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(args);
    assert.equal(r.status, EXIT.usage, args.join(' '));
    assert.match(oneLine(r.stderr), re);
    assert.equal(r.stdout.length, 0);
  }
});

test('3: an image with no pstore data', (t) => {
  const dir = tempDir(t);
  const image = path.join(dir, 'blank.img');
  fs.writeFileSync(image, new Uint8Array(256 * 1024));
  for (const cmd of ['recover', 'inspect']) {
    const r = runCli([cmd, '-i', image]);
    assert.equal(r.status, EXIT.noData, cmd);
    assert.equal(oneLine(r.stderr), `mmcpstore: no valid pstore data found in '${image}' (4 zones, none with a valid pstore/zone signature; check --kmsg-size and the other sizes, --offset and --size against the kernel's pstore_blk parameters)`);
  }
});

test('3: pstore/zone\'s recovery aborts, so the kernel would show nothing; the kernel\'s lines are in the message', (t) => {
  const dir = tempDir(t);
  const image = path.join(dir, 'bad-pmsg.img');
  const bytes = new Uint8Array(16384);
  // pmsg zone at 0 with start > datalen: psz_recover_zone() reads a negative length, -EINVAL.
  bytes.set(encodePszBuffer({ sig: zoneSignature(PstoreType.PMSG), datalen: 10, start: 20 }), 0);
  fs.writeFileSync(image, bytes);
  const r = runCli(['recover', '-i', image, '--kmsg-size', '4', '--pmsg-size', '4']);
  assert.equal(r.status, EXIT.noData);
  assert.equal(oneLine(r.stderr), `mmcpstore: no pstore records in '${image}': pstore/zone recovery failed (-EINVAL): pstore_zone: read zone pmsg failed; pstore_zone: recover failed`);
  const i = runCli(['inspect', '-i', image, '--kmsg-size', '4', '--pmsg-size', '4', '--json']);
  assert.equal(i.status, EXIT.noData);
  const report = JSON.parse(i.stdout.toString()) as { recovery: { ok: boolean }; zones: { kind: string; status: string }[] };
  assert.equal(report.recovery.ok, false);
  assert.deepEqual(report.zones[0], { ...report.zones[0], kind: 'pmsg', status: 'read-failed' });
});

test('65: a region past the end of the file, and a layout the kernel refuses', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const past = runCli(['inspect', '-i', image, '--offset', '512K', '--size', '1M']);
  assert.equal(past.status, EXIT.dataErr);
  assert.match(oneLine(past.stderr), /--offset 524288 \+ --size 1048576 runs past the end of the 1048576-byte file$/);
  const small = path.join(dir, 'small.img');
  fs.writeFileSync(small, new Uint8Array(32768));
  const refused = runCli(['recover', '-i', small, '--pmsg-size', '64']);
  assert.equal(refused.status, EXIT.dataErr);
  assert.match(oneLine(refused.stderr), /^mmcpstore: pstore\/zone refuses this layout: no room for pmsg \(0x10000@0x0 over 0x8000\)/);
});

test('66: a missing image and a directory', (t) => {
  const dir = tempDir(t);
  const missing = runCli(['recover', '-i', 'x.img']);
  assert.equal(missing.status, EXIT.noInput);
  assert.equal(oneLine(missing.stderr), "mmcpstore: cannot open 'x.img': No such file or directory");
  const isDir = runCli(['inspect', '-i', dir]);
  assert.equal(isDir.status, EXIT.noInput);
  assert.equal(oneLine(isDir.stderr), `mmcpstore: cannot open '${dir}': Is a directory`);
});

test('66: an unreadable image', { skip: os.userInfo().uid === 0 ? 'root reads any file' : false }, (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  fs.chmodSync(image, 0o000);
  const r = runCli(['recover', '-i', image]);
  assert.equal(r.status, EXIT.noInput);
  assert.match(oneLine(r.stderr), /: Permission denied$/);
});

test('73: --out where no directory can be created', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const r = runCli(['recover', '-i', image, '--out', path.join(image, 'sub')]);
  assert.equal(r.status, EXIT.cantCreat);
  assert.match(oneLine(r.stderr), /^mmcpstore: cannot (create|use) output directory '.*sub': Not a directory$/);
});

test('74: standard output fails (a full disk)', { skip: !fs.existsSync('/dev/full') && 'no /dev/full' }, (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const full = fs.openSync('/dev/full', 'w');
  t.after(() => fs.closeSync(full));
  const r = runCli(['recover', '-i', image, '--quiet'], { stdoutFd: full });
  assert.equal(r.status, EXIT.ioErr);
  assert.equal(oneLine(r.stderr.toString()), 'mmcpstore: cannot write to standard output: No space left on device');
});

test('74: --help and --version to a full disk fail like any output', { skip: !fs.existsSync('/dev/full') && 'no /dev/full' }, (t) => {
  const full = fs.openSync('/dev/full', 'w');
  t.after(() => fs.closeSync(full));
  // a lone --version is answered by bin/mmcpstore.js before the bundle loads; elsewhere it is commander's
  const runs: [string[], CliEntry][] = [[['--help'], 'source'], [['panic', '--help'], 'source'], [['-h'], 'bin'], [['--version'], 'source'], [['--version'], 'bin'], [['-V'], 'bin']];
  for (const [args, entry] of runs) {
    const r = runCli(args, { stdoutFd: full, entry });
    assert.equal(r.status, EXIT.ioErr, `${entry}: ${args.join(' ')}`);
    assert.equal(oneLine(r.stderr.toString()), 'mmcpstore: cannot write to standard output: No space left on device', `${entry}: ${args.join(' ')}`);
  }
});

test('--help and --version into a closed pipe: 0, nothing on standard error', () => {
  for (const cli of [CLI_FROM_SOURCE, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_BIN)}`]) {
    for (const arg of ['--help', '--version']) {
      const r = runShell(`${cli} ${arg} | true; exit \${PIPESTATUS[0]}`);
      assert.equal(r.status, 0, `${cli} ${arg}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${cli} ${arg}`);
    }
  }
});

test('75: a live writer holds the image lock', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  // This test process is alive, so the lock is not stale.
  fs.writeFileSync(`${image}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname() }));
  const r = runCli(['recover', '-i', image]);
  assert.equal(r.status, EXIT.tempFail);
  assert.equal(oneLine(r.stderr), `mmcpstore: image '${image}' is locked by pid ${process.pid} on ${os.hostname()} (${image}.lock); try again when it has finished`);
  // A lock whose owner is gone is stale and ignored.
  fs.writeFileSync(`${image}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname() }));
  assert.equal(runCli(['recover', '-i', image, '--quiet']).status, 0);
});

test('--debug adds the stack trace to the error line', () => {
  const r = runCli(['recover', '-i', 'x.img', '--debug']);
  assert.equal(r.status, EXIT.noInput);
  const [first, ...rest] = r.stderr.trimEnd().split('\n');
  assert.equal(first, "mmcpstore: cannot open 'x.img': No such file or directory");
  assert.match(rest.join('\n'), /^InputError: .*\n\s+at /);
});

test('one table maps errors to codes: CliErrors carry theirs, anything else is internal (70)', () => {
  // 70 has no real trigger without a bug; the mapping itself is what can be checked.
  assert.equal(exitCodeFor(new TypeError('x is undefined')), 70);
  assert.equal(exitCodeFor(new UsageError('bad')), 2);
  assert.equal(exitCodeFor(new CliError('generic', 'failure')), 1);
  assert.equal(exitCodeFor(new BrokenPipeError()), 0);
  assert.deepEqual(EXIT, { ok: 0, failure: 1, usage: 2, noData: 3, dataErr: 65, noInput: 66, internal: 70, cantCreat: 73, ioErr: 74, tempFail: 75 });
});
