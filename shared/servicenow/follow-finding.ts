/**
 * The use case: one finding event applied to its ServiceNow record (**use case**; the Lambda in
 * functions/follow-servicenow.ts is the adapter). One record per occurrence and round
 * (shared/servicenow/record-key.ts): created on opened, its severity changed on updated, resolved
 * on resolved, closed with the exception's close code on suppressed; an unsuppressed finding
 * starts a new round, so it gets a new record and the one closed for the exception stays closed.
 *
 * claim the occurrence -> skip what is already applied -> look the record up -> write -> record
 * the sequence (and round) and let go. Decisions:
 * - An event whose `sequence` is not above the last applied one changes nothing (redelivery, or
 *   an older event arriving late), so a record never goes back.
 * - The record is looked up by `correlation_id` before every write, so a create whose answer was
 *   lost is found, not made again; an updated event for an occurrence with no record creates it
 *   (the opened event was below the minimum severity, or is late).
 * - A resolve with no record creates nothing (nobody was asked to act), and its sequence is kept,
 *   so a late opened event of that occurrence creates nothing either.
 * - While suppressed (`status: "suppressed"`), opened and updated events write nothing: nobody
 *   needs to act, and the record was closed for the exception.
 * - A record a person (or the bridge) finished, in any of the table's finished states, is never
 *   written to again.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { TransientError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { FindingMessage } from './finding-view.ts';
import {
  createFields,
  type IncidentDefaults,
  resolveFields,
  SEVERITY_RANK,
  suppressFields,
  updateFields,
} from './incident-fields.ts';
import type { FollowProgressStore } from './progress-store.ts';
import { recordKey } from './record-key.ts';
import type { TableClient, TableRecord } from './table-client.ts';
import type { TableProfile } from './table-profile.ts';

/** The ports the use case takes. */
export interface FollowPorts {
  readonly table: Pick<TableClient, 'findByCorrelationId' | 'create' | 'update'>;
  readonly progress: FollowProgressStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Settings of the use case. */
export interface FollowSettings extends IncidentDefaults {
  /** Findings below this severity open no record (updates and resolves of existing ones still apply). */
  readonly createMinimumSeverity: keyof typeof SEVERITY_RANK;
  /** How long a claim holds: longer than the function may run. */
  readonly leaseMs: number;
  /** The table's states and close rules. */
  readonly profile: TableProfile;
}

/** What applying one event did. */
export type FollowOutcome =
  | {
      readonly kind: 'created' | 'updated' | 'resolved' | 'suppressed';
      readonly sysId: string;
      readonly number?: string | undefined;
    }
  | {
      readonly kind: 'unchanged';
      readonly why:
        | 'already-applied'
        | 'stale'
        | 'below-minimum-severity'
        | 'nothing-to-resolve'
        | 'already-exists'
        | 'finished-in-servicenow'
        | 'suppressed';
      readonly sysId?: string | undefined;
    };

/**
 * Applies `message` to ServiceNow. Throws `TransientError` when another delivery of the same
 * occurrence holds it (the message is retried later), and ServiceNow's and DynamoDB's errors as
 * they come; in every failure the sequence is not recorded, so a retry applies the event again.
 */
export async function followFinding(
  message: FindingMessage,
  ports: FollowPorts,
  settings: FollowSettings,
): Promise<FollowOutcome> {
  const { detail } = message;
  const owner = randomUUID();
  const claimed = await ports.progress.claim(
    detail.correlationId,
    owner,
    ports.clock.now(),
    settings.leaseMs,
  );
  if (!claimed) {
    throw new TransientError(`another delivery is applying ${detail.correlationId}; this one is retried`);
  }
  let outcome: FollowOutcome;
  let round: number;
  try {
    if (detail.sequence <= claimed.appliedSequence) {
      outcome = {
        kind: 'unchanged',
        why: detail.sequence === claimed.appliedSequence ? 'already-applied' : 'stale',
      };
      await ports.progress.release(detail.correlationId, owner);
      return outcome;
    }
    round = message.transition === 'unsuppressed' ? claimed.round + 1 : claimed.round;
    outcome = await applyToRecord(message, recordKey(detail.correlationId, round), ports, settings);
  } catch (error) {
    // Let go without recording, so the retry finds the occurrence free and applies the event again.
    await ports.progress.release(detail.correlationId, owner).catch(() => false);
    throw error;
  }
  const kept = await ports.progress.release(detail.correlationId, owner, {
    sequence: detail.sequence,
    eventId: detail.eventId,
    outcome: outcome.kind === 'unchanged' ? outcome.why : outcome.kind,
    sysId: outcome.sysId,
    round,
    at: ports.clock.now(),
  });
  if (!kept) {
    // The write is done and idempotent to redo; the retry looks the record up again.
    throw new TransientError(
      `the claim on ${detail.correlationId} expired before sequence ${detail.sequence} was recorded`,
    );
  }
  return outcome;
}

async function applyToRecord(
  { transition, detail }: FindingMessage,
  key: string,
  ports: FollowPorts,
  settings: FollowSettings,
): Promise<FollowOutcome> {
  const writesNothingWhileSuppressed =
    detail.status === 'suppressed' && (transition === 'opened' || transition === 'updated');
  if (writesNothingWhileSuppressed) return { kind: 'unchanged', why: 'suppressed' };
  const record = await lookUp(key, ports);
  if (!record) {
    if (transition === 'resolved' || transition === 'suppressed') {
      return { kind: 'unchanged', why: 'nothing-to-resolve' };
    }
    if (SEVERITY_RANK[detail.severity] < SEVERITY_RANK[settings.createMinimumSeverity]) {
      return { kind: 'unchanged', why: 'below-minimum-severity' };
    }
    const created = await ports.table.create(createFields(detail, settings, settings.profile, key));
    return { kind: 'created', sysId: created.sys_id as string, number: created.number };
  }
  const sysId = record.sys_id as string;
  const state = record.state ?? '';
  if (settings.profile.finishedStates.has(state))
    return { kind: 'unchanged', why: 'finished-in-servicenow', sysId };
  if (transition === 'opened' || transition === 'unsuppressed')
    return { kind: 'unchanged', why: 'already-exists', sysId };
  if (transition === 'updated') {
    const written = await ports.table.update(sysId, updateFields(detail, settings.profile));
    return { kind: 'updated', sysId, number: written.number };
  }
  const close =
    transition === 'resolved' ? resolveFields(detail, settings) : suppressFields(detail, settings);
  let written: TableRecord = record;
  for (const fields of settings.profile.finishWrites(state, close)) {
    written = await ports.table.update(sysId, fields);
  }
  return { kind: transition, sysId, number: written.number };
}

async function lookUp(key: string, ports: FollowPorts): Promise<TableRecord | undefined> {
  const found = await ports.table.findByCorrelationId(key);
  if (found.length > 1) {
    ports.logger.warn('more than one ServiceNow record has this correlation_id; the oldest is followed', {
      correlationId: key,
      records: found.map((record) => record.number),
    });
  }
  return found[0];
}
