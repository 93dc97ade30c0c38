/**
 * Keeps a poll lease while the poll runs: a heartbeat renews it every third of its time to live,
 * so the lease can be short (a dead holder blocks the next poll for at most one TTL) however long
 * the poll takes. A renewal that finds the lease gone (another poll took it over) aborts the poll's
 * signal; the poll checks `assertHeld()` before it publishes and before it commits, so it never
 * commits over another holder.
 */
import type { Clock } from '../clock.ts';
import { TransientError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SnapshotStore } from './records.ts';

/**
 * The poll lost its lease while it ran; it stopped without committing. Transient: the poll that
 * holds the lease now does the work, and the next one goes on from there.
 */
export class LeaseLostError extends TransientError {}

/** What `keepLease` needs. */
export interface KeepLeaseOptions {
  readonly state: Pick<SnapshotStore, 'renewLease'>;
  readonly tenant: string;
  readonly holder: string;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** When the lease was taken (ms since the epoch). */
  readonly acquiredAtMs: number;
  /** How often to renew (default a third of `ttlMs`, so two renewals can fail before it expires). */
  readonly renewEveryMs?: number;
}

/** A lease being kept. */
export interface HeldLease {
  /** Aborted (with a `LeaseLostError`) when the lease was found lost. */
  readonly signal: AbortSignal;
  /** @throws LeaseLostError when the lease was lost, or renewals kept failing until it expired. */
  assertHeld(): void;
  /** Stops the heartbeat and waits for a renewal in flight (call before releasing the lease). */
  stop(): Promise<void>;
}

/** Starts the heartbeat of a lease just taken. */
export function keepLease(options: KeepLeaseOptions): HeldLease {
  const { state, tenant, holder, ttlMs, clock, logger } = options;
  const lost = new AbortController();
  let heldUntilMs = options.acquiredAtMs + ttlMs;
  let failing = false;
  let inFlight: Promise<void> | undefined;

  const markLost = (reason: string) => {
    if (lost.signal.aborted) return;
    logger.error('the poll lease was lost; stopping without committing', { tenant, pollId: holder, reason });
    lost.abort(new LeaseLostError(`the poll lease of ${tenant} was lost (${reason}); nothing was committed`));
  };

  const renew = async () => {
    const askedAt = clock.now();
    try {
      if (await state.renewLease(tenant, holder, new Date(askedAt), ttlMs)) {
        heldUntilMs = askedAt + ttlMs;
        failing = false;
      } else {
        markLost('another poll holds it now');
      }
    } catch (error) {
      // A passing failure (throttling, a network error): the lease is still ours until it expires.
      failing = true;
      logger.warn('renewing the poll lease failed; trying again', {
        tenant,
        pollId: holder,
        reason: (error as Error).message,
      });
    }
  };

  const timer = setInterval(
    () => {
      if (inFlight || lost.signal.aborted) return;
      inFlight = renew().finally(() => {
        inFlight = undefined;
      });
    },
    options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3)),
  );
  // The heartbeat alone must never keep a process alive.
  timer.unref();

  return {
    signal: lost.signal,
    assertHeld() {
      if (!lost.signal.aborted && failing && clock.now() >= heldUntilMs) {
        markLost('renewals failed until it expired');
      }
      if (lost.signal.aborted) throw lost.signal.reason as LeaseLostError;
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
