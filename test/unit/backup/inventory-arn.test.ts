import { describe, expect, it } from 'vitest';
import { roleArnOf } from '#shared/aws/backup-inventory.ts';
import { storeResource } from '#shared/backup/inventory-arn.ts';
import type { StoreIdentity } from '#shared/state/records.ts';

const identity = (endpoint: string, overrides: Partial<StoreIdentity> = {}): StoreIdentity => ({
  name: 'store',
  endpoint,
  serviceId: 5,
  connectionId: 1,
  region: 'us-west-2',
  accountId: '123456789012',
  ...overrides,
});

describe('the AWS resource a store is', () => {
  it.each<[string, string, Parameters<typeof storeResource>[1], string | undefined]>([
    [
      'an RDS instance',
      'postgres-engineering.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/dev',
      {},
      'arn:aws:rds:us-west-2:123456789012:db:postgres-engineering',
    ],
    [
      'an Aurora cluster (writer endpoint)',
      'orders.cluster-abcdefghijk1.us-west-2.rds.amazonaws.com:3306/orders',
      {},
      'arn:aws:rds:us-west-2:123456789012:cluster:orders',
    ],
    [
      'an Aurora cluster (reader endpoint)',
      'orders.cluster-ro-abcdefghijk1.us-west-2.rds.amazonaws.com:3306',
      {},
      'arn:aws:rds:us-west-2:123456789012:cluster:orders',
    ],
    [
      'a Redshift cluster',
      'analytics-warehouse.abcdefghijk1.us-west-2.redshift.amazonaws.com:5439/dev',
      {},
      'arn:aws:redshift:us-west-2:123456789012:cluster:analytics-warehouse',
    ],
    [
      'an S3 bucket by host',
      'customer-uploads.s3.us-west-2.amazonaws.com',
      {},
      'arn:aws:s3:::customer-uploads',
    ],
    ['an S3 bucket by name', 'customer-uploads', { serviceName: 's3' }, 'arn:aws:s3:::customer-uploads'],
    [
      'a DynamoDB table by path',
      'dynamodb.us-west-2.amazonaws.com/table/Orders',
      {},
      'arn:aws:dynamodb:us-west-2:123456789012:table/Orders',
    ],
    [
      'a DynamoDB table by name',
      'Orders',
      { serviceName: 'dynamodb' },
      'arn:aws:dynamodb:us-west-2:123456789012:table/Orders',
    ],
    [
      'a mapped ARN, which wins',
      'anything',
      { mappedArn: 'arn:aws:rds:us-west-2:123456789012:db:mapped' },
      'arn:aws:rds:us-west-2:123456789012:db:mapped',
    ],
    [
      'a BigQuery dataset (not AWS)',
      'bigquery.googleapis.com/projects/p/datasets/d',
      { serviceName: 'bigquery' },
      undefined,
    ],
  ])('%s', (_case, endpoint, context, arn) => {
    expect(storeResource(identity(endpoint), context)?.resourceArn).toBe(arn);
  });

  it("uses the connection's account when the store's own is not a 12-digit id (the guide's store 2)", () => {
    const resource = storeResource(
      identity('mysql-db-dev.abcdefghijk1.us-west-2.rds.amazonaws.com:3306', { accountId: '23456789012' }),
      { connectionAccountId: '234567890123' },
    );
    expect(resource).toEqual({
      resourceArn: 'arn:aws:rds:us-west-2:234567890123:db:mysql-db-dev',
      accountId: '234567890123',
      region: 'us-west-2',
    });
    expect(
      storeResource(identity('x.y.us-west-2.rds.amazonaws.com', { accountId: '23456789012' })),
    ).toBeUndefined();
  });

  it('names the partition of China and GovCloud regions', () => {
    expect(
      storeResource(identity('db1.abc.cn-north-1.rds.amazonaws.com.cn', { region: 'cn-north-1' }))
        ?.resourceArn,
    ).toBe('arn:aws-cn:rds:cn-north-1:123456789012:db:db1');
    expect(
      storeResource(identity('db1.abc.us-gov-west-1.rds.amazonaws.com', { region: 'us-gov-west-1' }))
        ?.resourceArn,
    ).toBe('arn:aws-us-gov:rds:us-gov-west-1:123456789012:db:db1');
  });

  it('builds the role to assume from a name or an ARN template', () => {
    expect(roleArnOf('dspm-bridge-backup-read', '234567890123', 'eu-west-1')).toBe(
      'arn:aws:iam::234567890123:role/dspm-bridge-backup-read',
    );
    expect(roleArnOf('arn:aws:iam::{accountId}:role/path/reader', '234567890123', 'eu-west-1')).toBe(
      'arn:aws:iam::234567890123:role/path/reader',
    );
  });
});
