/**
 * Shapes of the backup events the tagger reads: the EventBridge envelope, AWS Backup's own
 * details (as AWS documents them, quirks included: some events say `state`, others `status`;
 * sizes come as strings or numbers), and the generic `backup-protection-changed` contract that any
 * other backup product can send. Objects are open: extra fields pass.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';

/**
 * Fields a decision reads are required; the rest (`statusMessage`, sizes, dates, ids) are
 * informational and may be missing or null, as AWS sends them (a COMPLETED job's
 * `"statusMessage": null`), without rejecting the event.
 */
const info = z.nullish(z.string());

/** Bounded text: input echoed into an error or a log line stays short. */
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

/** An ARN: AWS allows at most 2048 characters; a longer value is refused before it is echoed anywhere. */
const arn = z
  .string()
  .check(z.minLength(1), z.maxLength(2048, 'is longer than the 2048 characters an ARN may have'));

/** The EventBridge envelope every event arrives in. */
export const eventEnvelopeSchema = z.looseObject({
  version: info,
  id: text(512),
  'detail-type': text(512),
  source: text(512),
  account: info,
  time: z.iso.datetime({ offset: true }),
  region: info,
  resources: z.nullish(z.array(z.string())),
  detail: z.record(z.string(), z.unknown()),
});

const size = z.nullish(z.union([z.number(), z.string()]));

/** `Backup Job State Change`. A `CREATED` job has no `resourceArn` yet, so it is optional here. */
export const backupJobDetailSchema = z.looseObject({
  backupJobId: info,
  resourceArn: z.nullish(arn),
  resourceType: info,
  state: text(64),
  statusMessage: info,
  backupSizeInBytes: size,
  bytesTransferred: size,
  creationDate: info,
  completionDate: info,
});

/** `Recovery Point State Change` (AWS writes `status` here, not `state`). */
export const recoveryPointDetailSchema = z.looseObject({
  recoveryPointArn: info,
  resourceArn: arn,
  resourceType: info,
  status: text(64),
  backupSizeInBytes: size,
  creationDate: info,
});

/** The reasons of the generic contract. */
export const PROTECTION_REASONS = [
  'NOT_ENROLLED',
  'LAST_JOB_FAILED',
  'RPO_BREACH',
  'BACKUP_SUCCEEDED',
  'ENROLLED',
] as const;

/** The generic `backup-protection-changed` detail; null counts as absent for every optional field. */
export const genericBackupDetailSchema = z
  .looseObject({
    endpoint: z.nullish(text(2048)),
    resourceArn: z.nullish(arn),
    dataStoreId: z.nullish(z.int().check(z.nonnegative())),
    protected: z.boolean(),
    reason: z.enum(PROTECTION_REASONS),
    observedAt: z.nullish(z.iso.datetime({ offset: true })),
    /** Which product said so; informational (the event's source stands in when it is missing). */
    system: z.nullish(text(128)),
  })
  .check(
    z.refine(
      (detail) => detail.endpoint != null || detail.resourceArn != null || detail.dataStoreId != null,
      {
        message: 'needs at least one of endpoint, resourceArn, dataStoreId',
        path: ['endpoint'],
      },
    ),
  );

/** Detail types of AWS Backup the tagger understands. */
export const AWS_BACKUP = {
  source: 'aws.backup',
  jobStateChange: 'Backup Job State Change',
  recoveryPointStateChange: 'Recovery Point State Change',
  planStateChange: 'Backup Plan State Change',
} as const;

/** The generic contract's detail type. */
export const GENERIC_DETAIL_TYPE = 'backup-protection-changed';
