/**
 * What must not outlive the process when a signal ends it: held image locks and half-made
 * temporary files register an undo here; the CLI's SIGINT/SIGTERM/SIGHUP handlers run every
 * registered undo, then let the signal end the process (a shell reports 130, 143, 129).
 */
import * as os from 'node:os';

const cleanups = new Set<() => void>();

/** Registers `undo` to run if a signal ends the process; returns its unregistration. */
export function registerCleanup(undo: () => void): () => void {
  cleanups.add(undo);
  return () => void cleanups.delete(undo);
}

/** Runs (and forgets) every registered undo, newest first; one that fails does not stop the rest. */
export function runCleanups(): void {
  for (const undo of [...cleanups].reverse()) {
    cleanups.delete(undo);
    try {
      undo();
    } catch {
      /* best effort: the process is ending */
    }
  }
}

/** The signals that end a writer with its lock released. */
export const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type TerminatingSignal = (typeof TERMINATING_SIGNALS)[number];

/** The shell's status for a process ended by `sig`: 128 + its number. */
export function signalExitStatus(sig: TerminatingSignal): number {
  return 128 + os.constants.signals[sig];
}

/** How long a re-raised signal may take to end the process before `exit` is called instead. */
const RERAISE_GRACE_MS = 1000;

/**
 * On SIGINT, SIGTERM or SIGHUP: the cleanups, then the process ends by that signal, as it would
 * with no handler (the signal is raised again with the handlers removed): the parent sees the
 * signal and a shell reports 128 + its number (130, 143, 129). Not process.exit(): that waits for
 * the thread pool, and a read of a FIFO blocked there would keep the process alive. `exit` is the
 * fallback if something else still holds the signal. Returns the uninstaller.
 * Signals are delivered between turns of the event loop, so a writer must wait for a lock
 * asynchronously (lib/image-lock.ts acquireImageLockAsync) for a signal to stop the wait.
 */
export function exitOnSignals(exit: (status: number) => void): () => void {
  const uninstall = (): void => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
  const handlers = TERMINATING_SIGNALS.map((sig) => {
    const h = (): void => {
      runCleanups();
      uninstall();
      setTimeout(() => exit(signalExitStatus(sig)), RERAISE_GRACE_MS).unref();
      process.kill(process.pid, sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return uninstall;
}
