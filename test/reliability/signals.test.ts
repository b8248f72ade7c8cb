/**
 * SIGINT, SIGTERM and SIGHUP end a writer with its lock released and the shell's status
 * (130, 143, 129): a CLI writer waiting for another's lock (`--wait`) leaves that lock alone and
 * the image untouched; a process holding the lock removes it; mkimage's temporary file goes too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireImageLock, lockPathFor, readLockOwner } from '../../src/lib/image-lock.js';
import { registerCleanup, runCleanups, signalExitStatus, TERMINATING_SIGNALS } from '../../src/lib/exit-cleanup.js';
import { blankCardFile } from '../helpers/blank-card.js';
import { ROOT } from '../helpers/paths.js';
import { cleanEnv, cliArgv, spawnTs } from '../helpers/run-cli.js';
import { sha256File } from '../helpers/hash.js';
import { tempDir } from './helpers.js';

const EXPECTED_STATUS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('terminating signals', () => {
  it('map to 130, 143 and 129', () => {
    for (const sig of TERMINATING_SIGNALS) assert.equal(signalExitStatus(sig), EXPECTED_STATUS[sig]);
  });

  for (const sig of TERMINATING_SIGNALS) {
    it(`${sig} ends a CLI writer waiting for the lock (a shell's status ${EXPECTED_STATUS[sig]}), the holder's lock and the image untouched`, async (t) => {
      const dir = tempDir(t);
      const image = blankCardFile(dir, 'card.img');
      const before = sha256File(image);
      const release = acquireImageLock(image);
      t.after(release);
      const child = spawn(process.execPath, cliArgv(['panic', '-i', image, '--wait', '60', '--message', 'never written']), {
        cwd: ROOT,
        env: cleanEnv({ NO_COLOR: '1' }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((r) => child.once('exit', (c, s) => r(s ?? c)));
      await until('the writer to wait', () => err.includes('waiting up to 60 s'));
      assert.match(err, new RegExp(`is locked by pid ${process.pid} on `), 'the wait names the holder');
      child.kill(sig);
      // ended by the signal itself: a shell reports 128 + its number
      assert.equal(await exited, sig, err);
      assert.equal(readLockOwner(lockPathFor(image))?.pid, process.pid, "the holder's lock is still there");
      assert.equal(sha256File(image), before);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['card.img', 'card.img.lock']);
    });
  }

  it('SIGTERM to a process holding the lock (and a temporary file) removes both before the signal ends it (143)', async (t) => {
    const dir = tempDir(t);
    const image = path.join(dir, 'card.img');
    fs.writeFileSync(image, new Uint8Array(4096));
    const script = path.join(dir, 'holder.mts'); // top-level await: an ES module
    const url = (p: string): string => JSON.stringify(new URL(`file://${path.join(ROOT, p)}`).href);
    fs.writeFileSync(
      script,
      `import * as fs from 'node:fs';
import { acquireImageLockAsync } from ${url('src/lib/image-lock.ts')};
import { exitOnSignals, registerCleanup } from ${url('src/lib/exit-cleanup.ts')};
const [image, tmp] = process.argv.slice(2);
exitOnSignals((status) => process.exit(status));
await acquireImageLockAsync(image);
fs.writeFileSync(tmp, 'half made');
registerCleanup(() => fs.rmSync(tmp, { force: true }));
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`,
    );
    const tmp = path.join(dir, '.card.img.tmp');
    const child = spawnTs(script, [image, tmp]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((r) => child.once('exit', (c, s) => r(s ?? c)));
    await until('the holder to be ready', () => out.includes('ready\n'));
    assert.equal(readLockOwner(lockPathFor(image))?.pid, child.pid);
    child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
    assert.equal(fs.existsSync(lockPathFor(image)), false, 'lock released');
    assert.equal(fs.existsSync(tmp), false, 'temporary file removed');
  });

  it('the cleanups release held locks (newest first) and forget released ones', (t) => {
    const dir = tempDir(t);
    const a = path.join(dir, 'a.img');
    const b = path.join(dir, 'b.img');
    const releaseA = acquireImageLock(a);
    acquireImageLock(b);
    const order: string[] = [];
    registerCleanup(() => order.push('first'));
    registerCleanup(() => order.push('last'));
    releaseA(); // released normally: not run again, and nothing of a's is left
    runCleanups();
    assert.deepEqual(order, ['last', 'first']);
    assert.equal(fs.existsSync(lockPathFor(a)), false);
    assert.equal(fs.existsSync(lockPathFor(b)), false, 'the held lock was released by the cleanup');
    runCleanups();
    assert.deepEqual(order, ['last', 'first'], 'each cleanup runs once');
  });
});
