/**
 * The tenant's poll lease around one step of a run. A step takes it as the run's id (re-entrant:
 * the same run's next step takes it again at once, another run is kept out until it expires),
 * keeps it alive while it works, and at the end either hands it on (renewed for a full TTL, so the
 * next step of the run finds it still held however Step Functions schedules it) or gives it back.
 */

import { type HeldLease, keepLease } from '../state/lease.ts';
import type { PollSettings } from './poll-config.ts';
import type { PollPorts } from './poll-ports.ts';

/** What the step does with the lease when it is done. */
export type LeaseAfterStep = 'hand-on' | 'release';

/** Takes the tenant's lease as `runId` and keeps it alive, or returns undefined when another run holds it. */
export async function takeRunLease(
  ports: PollPorts,
  settings: PollSettings,
  runId: string,
): Promise<HeldLease | undefined> {
  const { state, clock, logger, tenant } = ports;
  const acquiredAt = clock.now();
  if (!(await state.tryAcquireLease(tenant, runId, new Date(acquiredAt), settings.leaseTtlMs)))
    return undefined;
  return keepLease({
    state,
    tenant,
    holder: runId,
    ttlMs: settings.leaseTtlMs,
    clock,
    logger,
    acquiredAtMs: acquiredAt,
  });
}

/**
 * Runs `work` under the lease, or returns undefined when another run holds it.
 * `after` decides what happens to the lease once `work` returned; when it throws, the lease is
 * kept until it expires (a retry of the same run takes it back, another run waits a TTL).
 */
export async function withStepLease<T>(
  ports: PollPorts,
  settings: PollSettings,
  runId: string,
  after: (result: T) => LeaseAfterStep,
  work: (lease: HeldLease) => Promise<T>,
): Promise<T | undefined> {
  const { state, clock, tenant } = ports;
  const lease = await takeRunLease(ports, settings, runId);
  if (lease === undefined) return undefined;
  let result: T;
  try {
    result = await work(lease);
  } finally {
    await lease.stop();
  }
  if (after(result) === 'release') await state.releaseLease(tenant, runId);
  else await state.renewLease(tenant, runId, new Date(clock.now()), settings.leaseTtlMs);
  return result;
}
