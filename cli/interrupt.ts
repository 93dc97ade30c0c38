/**
 * Ctrl-C for a command that must not stop half-way: the first SIGINT (or SIGTERM) asks it to stop
 * at a safe point (a poll lists no new pages, commits what was accepted and gives its lease back,
 * then the command exits 130); the second exits at once, leaving a lease the next poll takes over.
 */

/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), whether at a safe point or at once. */
export const INTERRUPTED_EXIT_CODE = 130;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** What `watchInterrupts` listens to and how it leaves; the real process by default. */
export interface InterruptHost {
  on(signal: (typeof SIGNALS)[number], listener: () => void): unknown;
  off(signal: (typeof SIGNALS)[number], listener: () => void): unknown;
  exit(code: number): void;
}

/** Signals being watched. */
export interface Interrupts {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** Stops watching (the default handlers apply again). */
  dispose(): void;
}

/** Watches SIGINT and SIGTERM; tells the person on stderr what each press does. */
export function watchInterrupts(stderr: (text: string) => void, host: InterruptHost = process): Interrupts {
  const stop = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) {
      stderr('stopping at a safe point; press Ctrl-C again to exit at once\n');
      stop.abort();
      return;
    }
    stderr('exiting at once\n');
    host.exit(INTERRUPTED_EXIT_CODE);
  };
  for (const name of SIGNALS) host.on(name, onSignal);
  return {
    signal: stop.signal,
    dispose() {
      for (const name of SIGNALS) host.off(name, onSignal);
    },
  };
}
