/**
 * How a backup event becomes a DSPM tag write, end to end (adapter -> **use case** -> domain).
 *
 * The tagger Lambda (functions/tag-unprotected.ts) hands each SQS record's body to
 * `handleBackupEvent`; the CLI's `backup-event` and `demo` hand it a file's, so they behave exactly
 * alike. The coverage sweep (sweep-coverage.ts) enters at `applyBackupObservation` with the
 * observations it makes itself. The steps, in order, and where each lives:
 *
 * 1. `readBackupEvent` (read-backup-event.ts, normalize.ts, schemas.ts): the body's JSON read into
 *    a `BackupObservation` (observation.ts): which resource, protected or not, why, and when. A
 *    malformed event is reported for the dead-letter path; one that says nothing (a RUNNING job)
 *    is ignored.
 * 2. `findStore` (resolve-store.ts, arn.ts, fallback-lookups.ts): the DSPM store the event is
 *    about, by mapping, store id, endpoint or resource ARN; a resource DSPM does not know is
 *    acknowledged.
 * 3. `underStoreLock` (apply/store-lock.ts): one writer per store at a time.
 * 4. `skipReplayedOrStale` (apply/replay-guard.ts): a replayed or older event changes nothing.
 * 5. `readListedStore` (apply/write-unprotected-tag.ts): the store and its tags as DSPM lists them.
 * 6. `writeUnprotectedTag` (apply/write-unprotected-tag.ts, through the `StoreTagWriter` port of
 *    store-tags.ts and the managed tag of unprotected-tag.ts): adds or removes only the bridge's
 *    `Unprotected` tag and writes the store's tag list back to DSPM when it changed.
 * 7. `nextProtectionRecord` (apply/protection-record.ts): the store's new status, reason and
 *    coverage, and whether the bridge's tag is on.
 * 8. `stepUnprotectedFinding` (apply/unprotected-finding.ts): the `unprotected` finding, with
 *    people's exceptions applied.
 * 9. `publishProtectionChanges` (apply/publish-changes.ts, apply/protection-changed-event.ts):
 *    `data-store-protection-changed` and the finding's events, to the bus.
 * 10. `commitProtectionRecord` (apply/protection-record.ts): last, so a failure anywhere before
 *    it replays cleanly.
 *
 * The ports and settings are in apply-protection.ts; shared/roots/tagger-runtime.ts wires them
 * for the Lambdas and the CLI (a dry run is a choice of ports, shared/roots/cli-ports.ts).
 */

import { commitProtectionRecord, nextProtectionRecord } from './apply/protection-record.ts';
import { publishProtectionChanges } from './apply/publish-changes.ts';
import { skipReplayedOrStale } from './apply/replay-guard.ts';
import { underStoreLock } from './apply/store-lock.ts';
import { stepUnprotectedFinding } from './apply/unprotected-finding.ts';
import { readListedStore, writeUnprotectedTag } from './apply/write-unprotected-tag.ts';
import type { ProtectionOutcome, ProtectionPorts, ProtectionSettings } from './apply-protection.ts';
import { FallbackLookups } from './fallback-lookups.ts';
import type { BackupObservation } from './observation.ts';
import { readBackupEvent } from './read-backup-event.ts';
import { resolveStore } from './resolve-store.ts';

/** What became of the event. */
export type HandledBackupEvent =
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly why: string }
  | { readonly kind: 'applied'; readonly outcome: ProtectionOutcome };

/**
 * Handles one event body (JSON text). A malformed event is reported, not thrown: retrying it can
 * never help, so the caller sends it to the dead-letter path and goes on with the batch.
 * @throws when DSPM, the state or the bus fails (worth a retry).
 */
export async function handleBackupEvent(
  body: string,
  ports: ProtectionPorts,
  settings: ProtectionSettings & { readonly acceptedSources: ReadonlySet<string> },
): Promise<HandledBackupEvent> {
  const read = readBackupEvent(body, settings.acceptedSources);
  if (read.kind !== 'observation') return read;
  return { kind: 'applied', outcome: await applyBackupObservation(ports, settings, read.observation) };
}

/**
 * Applies one observation (an event's, or the sweep's) to DSPM, the bus and the state.
 * @throws when DSPM, the state or the bus fails; the caller retries the whole observation.
 */
export async function applyBackupObservation(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  observation: BackupObservation,
): Promise<ProtectionOutcome> {
  const storeId = await findStore(ports, settings, observation);
  if (storeId === undefined) return { status: 'unknown-resource', eventId: observation.eventId };
  return underStoreLock(ports, settings, storeId, observation.eventId, () =>
    applyLocked(ports, settings, observation, storeId),
  );
}

/** Steps 4 to 10, under the store's lock. */
async function applyLocked(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  observation: BackupObservation,
  storeId: number,
): Promise<ProtectionOutcome> {
  const { eventId } = observation;
  const previous = await ports.state.getProtection(ports.tenant, storeId);
  const skipped = skipReplayedOrStale(ports.logger, previous, observation, storeId);
  if (skipped) return skipped;
  const store = await readListedStore(ports, storeId, eventId);
  if (!store) return { status: 'unknown-resource', eventId };
  const tagWrite = await writeUnprotectedTag(ports, settings, store, {
    eventId,
    storeId,
    isProtected: observation.protected,
    addedByBridge: previous?.tagAddedByBridge ?? false,
  });
  const next = nextProtectionRecord(storeId, previous, observation, tagWrite.action);
  const findings = await stepUnprotectedFinding(ports, settings, previous, observation, store);
  const change = { storeId, store, previous, next, tagWrite, findings };
  const event = await publishProtectionChanges(ports, settings, observation, change);
  await commitProtectionRecord(ports, previous, next, findings);
  return { status: 'applied', eventId, storeId, protection: next.status, tagAction: tagWrite.action, event };
}

/** The store id the observation is about, or undefined (logged) when DSPM does not know it. */
async function findStore(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  observation: BackupObservation,
): Promise<number | undefined> {
  const resolved = await resolveStore(
    {
      state: ports.state,
      dspm: ports.dspm,
      tenant: ports.tenant,
      mappings: settings.mappings,
      lookups: ports.lookups ?? new FallbackLookups(ports.clock, { ttlMs: 0 }),
    },
    observation.target,
  );
  if (!resolved) {
    ports.logger.warn('backup event for a resource DSPM does not know; acknowledged', {
      eventId: observation.eventId,
      target: observation.target,
    });
  }
  return resolved?.storeId;
}
