/**
 * Shapes of the backup events the tagger reads: the EventBridge envelope, AWS Backup's own
 * details (as AWS documents them, quirks included: some events say `state`, others `status`;
 * sizes come as strings or numbers), and the generic `backup-protection-changed` contract that any
 * other backup product can send. Objects are open: extra fields pass.
 */
import { z } from 'zod';

/** The EventBridge envelope every event arrives in. */
export const eventEnvelopeSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().optional(),
  time: z.iso.datetime({ offset: true }),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});

const size = z.union([z.number(), z.string()]).optional();

/** `Backup Job State Change`. A `CREATED` job has no `resourceArn` yet, so it is optional here. */
export const backupJobDetailSchema = z.looseObject({
  backupJobId: z.string().optional(),
  resourceArn: z.string().min(1).optional(),
  resourceType: z.string().optional(),
  state: z.string().min(1),
  statusMessage: z.string().optional(),
  backupSizeInBytes: size,
  bytesTransferred: size,
  creationDate: z.string().optional(),
  completionDate: z.string().optional(),
});

/** `Recovery Point State Change` (AWS writes `status` here, not `state`). */
export const recoveryPointDetailSchema = z.looseObject({
  recoveryPointArn: z.string().optional(),
  resourceArn: z.string().min(1),
  resourceType: z.string().optional(),
  status: z.string().min(1),
  backupSizeInBytes: size,
  creationDate: z.string().optional(),
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
    endpoint: z.string().min(1).optional(),
    resourceArn: z.string().min(1).optional(),
    dataStoreId: z.number().int().nonnegative().optional(),
    protected: z.boolean(),
    reason: z.enum(PROTECTION_REASONS),
    observedAt: z.iso.datetime({ offset: true }).optional(),
    system: z.string().min(1),
  })
  .refine(
    (detail) =>
      detail.endpoint !== undefined || detail.resourceArn !== undefined || detail.dataStoreId !== undefined,
    {
      message: 'needs at least one of endpoint, resourceArn, dataStoreId',
      path: ['endpoint'],
    },
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
