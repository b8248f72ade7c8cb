/**
 * One liveness rule for readers and writers (lib/image-lock.ts lockIsLive): for each kind of
 * lock a reader sees a live holder exactly when a writer is refused, and a stale lock is ignored
 * by the one and taken over by the other. A live pid running something other than the process
 * that took the lock (a reused pid) does not hold it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageLockedError, acquireImageLock, liveLockHolder, lockPathFor, procCmdline, readLockOwner } from '../../src/lib/image-lock.js';
import { checkImageLock } from '../../src/reader/lock.js';
import { LockedError } from '../../src/reader/errors.js';
import { tempDir } from './helpers.js';

/** A live process that is not an mmcpstore writer: its pid and its command line. */
async function bystander(t: { after(fn: () => void): void }): Promise<{ pid: number; cmd: string }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up\\n")'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  const cmd = procCmdline(child.pid!);
  assert.ok(cmd, 'this test needs /proc');
  return { pid: child.pid!, cmd };
}

function deadPid(): number {
  const r = spawn(process.execPath, ['-e', '0']);
  return r.pid!; // exits at once; reaped by the time it is used below
}

describe('one lock rule for readers and writers', { skip: !fs.existsSync('/proc/self/cmdline') && 'no /proc' }, () => {
  it('live and stale locks, as a reader and as a writer see them', async (t) => {
    const dir = tempDir(t);
    const image = path.join(dir, 'card.img');
    fs.writeFileSync(image, new Uint8Array(4096));
    const lock = lockPathFor(image);
    const other = await bystander(t);
    const gone = deadPid();
    await new Promise((r) => setTimeout(r, 300));
    const host = os.hostname();
    const cases: { what: string; content: string; live: boolean }[] = [
      { what: 'its pid alive, running the command it recorded', content: JSON.stringify({ pid: other.pid, host, cmd: other.cmd }), live: true },
      { what: 'its pid alive but running another command (a reused pid)', content: JSON.stringify({ pid: other.pid, host, cmd: 'node /usr/bin/mmcpstore panic -i card.img' }), live: false },
      { what: 'its pid gone', content: JSON.stringify({ pid: gone, host, cmd: 'node mmcpstore panic' }), live: false },
      { what: 'from another host', content: JSON.stringify({ pid: gone, host: `not-${host}`, cmd: 'x' }), live: true },
      { what: 'no cmd recorded, pid alive (cannot tell more)', content: JSON.stringify({ pid: other.pid, host }), live: true },
      { what: 'unreadable and fresh', content: '', live: true },
    ];
    for (const c of cases) {
      fs.writeFileSync(lock, c.content);
      const reader = liveLockHolder(image);
      assert.equal(reader !== null, c.live, `${c.what}: reader`);
      if (c.live) assert.throws(() => checkImageLock(image), LockedError, c.what);
      else checkImageLock(image);
      if (c.live) {
        assert.throws(() => acquireImageLock(image), ImageLockedError, `${c.what}: writer refused`);
        assert.equal(fs.readFileSync(lock, 'utf8'), c.content, `${c.what}: left alone`);
      } else {
        const release = acquireImageLock(image);
        assert.equal(readLockOwner(lock)?.pid, process.pid, `${c.what}: taken over`);
        release();
        assert.equal(fs.existsSync(lock), false);
      }
    }
  });

  it('the refusal names the holder: pid, host and command line', (t) => {
    const dir = tempDir(t);
    const image = path.join(dir, 'card.img');
    const release = acquireImageLock(image);
    t.after(release);
    const cmd = procCmdline('self') ?? '';
    const shown = cmd.length > 80 ? `...${cmd.slice(-77)}` : cmd; // long command lines: their end
    assert.throws(
      () => checkImageLock(image),
      (e: unknown) =>
        e instanceof LockedError &&
        e.message === `image '${image}' is locked by pid ${process.pid} on ${os.hostname()}, running '${shown}' (${image}.lock); try again when it has finished`,
    );
  });
});
