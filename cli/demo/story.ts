/**
 * The demo's story, told against the simulator's guide tenant: what changes between polls, and the
 * backup events that follow. Kept apart from the telling so the test and the command share it.
 */
import type { Tenant } from '#simulator/server.ts';

/** The guide's GDPR and PII tags. */
const GDPR = 1000004;
const PII = 1000007;

/** Before the baseline: the production database carries two compliance tags. */
export function prepareTenant(tenant: Tenant): void {
  tenant.updateStore(3, { data_tags: [GDPR, PII] });
}

/** Between the polls: what a security team would want to hear about. */
export function changeTenant(tenant: Tenant): string[] {
  tenant.updateStore(1, { data_store_risk_rating: 68 });
  tenant.updateStore(3, { encryption: 'Off' });
  const added = tenant.addStore({
    name: 'analytics',
    endpoint: 'analytics.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/warehouse',
    service_id: 5,
    infrastructure_connection_id: 1,
    account_id: '123456789012',
    region: 'us-west-2',
  });
  tenant.removeStore(2);
  return [
    'engineering: risk rating 36 -> 68 (into "high")',
    'production: encryption turned off',
    `analytics: a new store appears (id ${added.id})`,
    'finance: removed from DSPM',
  ];
}

/** The RDS ARN AWS Backup would report for the production database. */
export const PRODUCTION_ARN = 'arn:aws:rds:us-west-2:123456789012:db:production';

/** The RDS ARN AWS Backup would report for the analytics database the story adds. */
export const ANALYTICS_ARN = 'arn:aws:rds:us-west-2:123456789012:db:analytics';

/**
 * An AWS Backup `Backup Job State Change` event for a database (the production one unless
 * another ARN is given), shaped as AWS documents it (sizes as strings, `state` rather than `status`).
 */
export function backupJobEvent(
  state: 'FAILED' | 'COMPLETED',
  time: Date,
  resourceArn: string = PRODUCTION_ARN,
): object {
  return {
    version: '0',
    id: `demo-${state.toLowerCase()}-${resourceArn.split(':').at(-1)}-${time.getTime()}`,
    'detail-type': 'Backup Job State Change',
    source: 'aws.backup',
    account: '123456789012',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-west-2',
    resources: [],
    detail: {
      backupJobId: `demo-job-${resourceArn.split(':').at(-1)}-${time.getTime()}`,
      backupSizeInBytes: state === 'COMPLETED' ? '4096' : '0',
      backupVaultArn: 'arn:aws:backup:us-west-2:123456789012:backup-vault:Default',
      backupVaultName: 'Default',
      bytesTransferred: '0',
      creationDate: time.toISOString(),
      iamRoleArn: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
      resourceArn,
      resourceType: 'RDS',
      state,
      ...(state === 'FAILED' ? { statusMessage: 'An internal error occurred (demo)' } : {}),
    },
  };
}
