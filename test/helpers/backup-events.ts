/** Backup events for tests, shaped as EventBridge delivers them. */
import { loadFixture } from './fixtures.ts';

let counter = 0;

/** An AWS Backup job event built from AWS's documented sample, for another resource, state and time. */
export function awsBackupJobEvent(
  state: 'COMPLETED' | 'FAILED' | 'ABORTED' | 'EXPIRED' | 'RUNNING',
  resourceArn: string,
  time: string,
  id?: string,
) {
  const sample = loadFixture<{ detail: Record<string, unknown> } & Record<string, unknown>>(
    'backup/aws/backup-job-failed.json',
  );
  return {
    ...sample,
    id: id ?? `job-event-${++counter}-${Math.random().toString(36).slice(2)}`,
    time,
    detail: { ...sample.detail, resourceArn, state, resourceType: 'RDS' },
  };
}

/** A generic `backup-protection-changed` event. */
export function genericBackupEvent(
  detail: Record<string, unknown>,
  time = '2026-11-22T10:00:00Z',
  id?: string,
) {
  return {
    version: '0',
    id: id ?? `generic-${++counter}-${Math.random().toString(36).slice(2)}`,
    'detail-type': 'backup-protection-changed',
    source: 'com.veeam.backup',
    account: '123456789012',
    time,
    region: 'us-west-2',
    resources: [],
    detail: { system: 'veeam', ...detail },
  };
}

/** The RDS ARN of the guide's store 1 (`postgres-engineering...` in account 123456789012, us-west-2). */
export const ENGINEERING_ARN = 'arn:aws:rds:us-west-2:123456789012:db:postgres-engineering';
/** The RDS ARN of the guide's store 3 (`production...`). */
export const PRODUCTION_ARN = 'arn:aws:rds:us-west-2:123456789012:db:production';
