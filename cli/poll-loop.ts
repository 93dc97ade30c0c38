/**
 * `poll --interval`: pass after pass until a signal. A failed pass (it threw, or it reported
 * refused events or an incomplete listing) is logged and retried sooner, with a delay that doubles
 * from an eighth of the interval up to the interval itself; it never ends the loop. Only the stop
 * signal does.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How one pass went: `true` when it did all it had to. */
export type PassOutcome = boolean;

/** What the loop runs and how. */
export interface PollLoopOptions {
  readonly intervalMs: number;
  readonly stopSignal: AbortSignal;
  /** One pass; may throw (a catalog or state error), which counts as a failed pass. */
  readonly pass: () => Promise<PassOutcome>;
  /** One line for stderr. */
  readonly log: (line: string) => void;
}

/** The wait after the `failures`-th failed pass in a row: interval/8, /4, /2, then the interval. */
export function retryDelayMs(failures: number, intervalMs: number): number {
  return Math.min(intervalMs, (intervalMs / 8) * 2 ** Math.max(0, failures - 1));
}

/** Runs passes until `stopSignal` aborts; returns how many passes ran and how many failed. */
export async function runPollLoop(options: PollLoopOptions): Promise<{ passes: number; failed: number }> {
  const { intervalMs, stopSignal, pass, log } = options;
  let passes = 0;
  let failed = 0;
  let failuresInRow = 0;
  while (!stopSignal.aborted) {
    let ok: boolean;
    let reason: string | undefined;
    try {
      ok = await pass();
    } catch (error) {
      ok = false;
      reason = (error as Error)?.message ?? String(error);
    }
    passes++;
    let waitMs = intervalMs;
    if (ok) {
      failuresInRow = 0;
    } else {
      failed++;
      failuresInRow++;
      waitMs = retryDelayMs(failuresInRow, intervalMs);
      log(
        `poll pass failed${failuresInRow > 1 ? ` (${failuresInRow} in a row)` : ''}${reason ? `: ${reason}` : ''}; next pass in ${formatMs(waitMs)}`,
      );
    }
    if (stopSignal.aborted) break;
    // timers/promises removes its abort listener when the timer fires: none piles up per pass.
    await sleep(waitMs, undefined, { signal: stopSignal }).catch(() => {});
  }
  return { passes, failed };
}

function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
