/**
 * What must not outlive the process when a signal ends it: held image locks and half-made
 * temporary files register an undo here; the CLI's SIGINT/SIGTERM/SIGHUP handlers run every
 * registered undo, then exit 128 + the signal number (130, 143, 129), as a shell reports it.
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

/**
 * On SIGINT, SIGTERM or SIGHUP: the cleanups, then `exit(128 + signo)`. Returns the uninstaller.
 * Signals are delivered between turns of the event loop, so a writer must wait for a lock
 * asynchronously (lib/image-lock.ts acquireImageLockAsync) for a signal to stop the wait.
 */
export function exitOnSignals(exit: (status: number) => void): () => void {
  const handlers = TERMINATING_SIGNALS.map((sig) => {
    const h = (): void => {
      runCleanups();
      exit(signalExitStatus(sig));
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
