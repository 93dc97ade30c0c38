/**
 * Turns one EventBridge-shaped backup event into a `BackupObservation` (adapter input -> domain).
 *
 * AWS Backup: a job `COMPLETED` means protected; `FAILED`, `ABORTED` and `EXPIRED` mean the last job
 * failed; other states (`CREATED`, `RUNNING`, ...) change nothing. A recovery point `COMPLETED`
 * means protected. A plan change says nothing about a resource. Any other source must be one the
 * stack accepts and speak the generic `backup-protection-changed` contract.
 */
import type * as z from 'zod/mini';
import { excerpt } from '../excerpt.ts';
import { BackupEventError, type NormalizedEvent } from './observation.ts';
import {
  AWS_BACKUP,
  backupJobDetailSchema,
  eventEnvelopeSchema,
  GENERIC_DETAIL_TYPE,
  genericBackupDetailSchema,
  recoveryPointDetailSchema,
} from './schemas.ts';

const FAILED_JOB_STATES = new Set(['FAILED', 'ABORTED', 'EXPIRED']);

/** Options of `normalizeBackupEvent`. */
export interface NormalizeOptions {
  /** Sources accepted for the generic contract (`BACKUP_EVENT_SOURCES`). `aws.backup` is always accepted. */
  readonly acceptedSources: ReadonlySet<string>;
}

/**
 * Reads one event.
 * @throws BackupEventError naming the field that is missing or wrong, or the source that is not accepted.
 */
export function normalizeBackupEvent(raw: unknown, options: NormalizeOptions): NormalizedEvent {
  const envelope = parse(eventEnvelopeSchema, raw, '');
  return envelope.source === AWS_BACKUP.source
    ? fromAwsBackup(envelope)
    : fromGenericContract(envelope, options.acceptedSources);
}

type Envelope = z.infer<typeof eventEnvelopeSchema>;

function baseOf(envelope: Envelope) {
  return { eventId: envelope.id, source: envelope.source, detailType: envelope['detail-type'] };
}

/** AWS Backup's own events: job and recovery point state changes say something; others do not. */
function fromAwsBackup(envelope: Envelope): NormalizedEvent {
  switch (envelope['detail-type']) {
    case AWS_BACKUP.jobStateChange:
      return fromJobStateChange(envelope);
    case AWS_BACKUP.recoveryPointStateChange: {
      const detail = parse(recoveryPointDetailSchema, envelope.detail, 'detail');
      if (detail.status.toUpperCase() === 'COMPLETED') {
        return observe(baseOf(envelope), envelope.time, detail.resourceArn, true, 'BACKUP_SUCCEEDED');
      }
      return {
        kind: 'ignored',
        eventId: envelope.id,
        why: `recovery point status ${detail.status} changes nothing`,
      };
    }
    default:
      return {
        kind: 'ignored',
        eventId: envelope.id,
        why: `AWS Backup "${excerpt(envelope['detail-type'])}" says nothing about a resource's protection`,
      };
  }
}

function fromJobStateChange(envelope: Envelope): NormalizedEvent {
  const detail = parse(backupJobDetailSchema, envelope.detail, 'detail');
  const state = detail.state.toUpperCase();
  if (state !== 'COMPLETED' && !FAILED_JOB_STATES.has(state)) {
    return { kind: 'ignored', eventId: envelope.id, why: `backup job state ${state} changes nothing` };
  }
  if (detail.resourceArn == null) {
    throw new BackupEventError(
      'detail.resourceArn',
      `expected a string for a ${state} job, got ${detail.resourceArn === null ? 'null' : 'nothing (field missing)'}`,
    );
  }
  return state === 'COMPLETED'
    ? observe(baseOf(envelope), envelope.time, detail.resourceArn, true, 'BACKUP_SUCCEEDED')
    : observe(baseOf(envelope), envelope.time, detail.resourceArn, false, 'LAST_JOB_FAILED');
}

/** Any other backup product: an accepted source speaking the `backup-protection-changed` contract. */
function fromGenericContract(envelope: Envelope, acceptedSources: ReadonlySet<string>): NormalizedEvent {
  if (!acceptedSources.has(envelope.source)) {
    throw new BackupEventError(
      'source',
      `"${excerpt(envelope.source)}" is not an accepted backup event source (BACKUP_EVENT_SOURCES)`,
    );
  }
  if (envelope['detail-type'] !== GENERIC_DETAIL_TYPE) {
    throw new BackupEventError(
      'detail-type',
      `expected "${GENERIC_DETAIL_TYPE}" from ${excerpt(envelope.source)}, got "${excerpt(envelope['detail-type'])}"`,
    );
  }
  const detail = parse(genericBackupDetailSchema, envelope.detail, 'detail');
  const observedAt = new Date(detail.observedAt ?? envelope.time);
  return {
    kind: 'observation',
    observation: {
      ...baseOf(envelope),
      system: detail.system ?? envelope.source,
      observedAt,
      target: {
        resourceArn: detail.resourceArn ?? undefined,
        endpoint: detail.endpoint ?? undefined,
        dataStoreId: detail.dataStoreId ?? undefined,
      },
      protected: detail.protected,
      reason: detail.reason,
      successAt: detail.protected && detail.reason === 'BACKUP_SUCCEEDED' ? observedAt : undefined,
    },
  };
}

function observe(
  base: { eventId: string; source: string; detailType: string },
  time: string,
  resourceArn: string,
  isProtected: boolean,
  reason: 'BACKUP_SUCCEEDED' | 'LAST_JOB_FAILED',
): NormalizedEvent {
  return {
    kind: 'observation',
    observation: {
      ...base,
      system: 'aws-backup',
      observedAt: new Date(time),
      target: { resourceArn },
      protected: isProtected,
      reason,
      successAt: isProtected ? new Date(time) : undefined,
    },
  };
}

function parse<T extends z.ZodMiniType>(schema: T, value: unknown, prefix: string): z.infer<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || '(event)';
  const got = issue && 'input' in issue ? describe(issue.input) : 'something else';
  const message =
    issue?.code === 'invalid_type'
      ? `expected ${issue.expected}, got ${got}`
      : (issue?.message ?? 'is not valid');
  throw new BackupEventError(path, message);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (field missing)';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
