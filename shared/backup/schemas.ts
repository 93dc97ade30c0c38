/**
 * Shapes of the backup events the tagger reads: the EventBridge envelope, AWS Backup's own
 * details (as AWS documents them, quirks included: some events say `state`, others `status`;
 * sizes come as strings or numbers), and the generic `backup-protection-changed` contract that any
 * other backup product can send. Objects are open: extra fields pass.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';

/** The EventBridge envelope every event arrives in. */
export const eventEnvelopeSchema = z.looseObject({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  account: z.optional(z.string()),
  time: z.iso.datetime({ offset: true }),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
  detail: z.record(z.string(), z.unknown()),
});

const size = z.optional(z.union([z.number(), z.string()]));

/** `Backup Job State Change`. A `CREATED` job has no `resourceArn` yet, so it is optional here. */
export const backupJobDetailSchema = z.looseObject({
  backupJobId: z.optional(z.string()),
  resourceArn: z.optional(z.string().check(z.minLength(1))),
  resourceType: z.optional(z.string()),
  state: z.string().check(z.minLength(1)),
  statusMessage: z.optional(z.string()),
  backupSizeInBytes: size,
  bytesTransferred: size,
  creationDate: z.optional(z.string()),
  completionDate: z.optional(z.string()),
});

/** `Recovery Point State Change` (AWS writes `status` here, not `state`). */
export const recoveryPointDetailSchema = z.looseObject({
  recoveryPointArn: z.optional(z.string()),
  resourceArn: z.string().check(z.minLength(1)),
  resourceType: z.optional(z.string()),
  status: z.string().check(z.minLength(1)),
  backupSizeInBytes: size,
  creationDate: z.optional(z.string()),
});

/** The reasons of the generic contract. */
export const PROTECTION_REASONS = [
  'NOT_ENROLLED',
  'LAST_JOB_FAILED',
  'RPO_BREACH',
  'BACKUP_SUCCEEDED',
  'ENROLLED',
] as const;

/** The generic `backup-protection-changed` detail. */
export const genericBackupDetailSchema = z
  .looseObject({
    endpoint: z.optional(z.string().check(z.minLength(1))),
    resourceArn: z.optional(z.string().check(z.minLength(1))),
    dataStoreId: z.optional(z.int().check(z.nonnegative())),
    protected: z.boolean(),
    reason: z.enum(PROTECTION_REASONS),
    observedAt: z.optional(z.iso.datetime({ offset: true })),
    system: z.string().check(z.minLength(1)),
  })
  .check(
    z.refine(
      (detail) =>
        detail.endpoint !== undefined || detail.resourceArn !== undefined || detail.dataStoreId !== undefined,
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
