import { describe, expect, it } from 'vitest';
import { parseResourceArn } from '#shared/backup/arn.ts';
import { firstHostLabel } from '#shared/state/protection-records.ts';

describe('parseResourceArn', () => {
  it.each([
    [
      'arn:aws:rds:us-west-2:123456789012:db:postgres-engineering',
      {
        service: 'rds',
        region: 'us-west-2',
        accountId: '123456789012',
        resourceType: 'db',
        name: 'postgres-engineering',
      },
    ],
    [
      'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora',
      { service: 'rds', resourceType: 'cluster', name: 'orders-aurora' },
    ],
    [
      'arn:aws:redshift:eu-west-1:123456789012:cluster:warehouse',
      { service: 'redshift', resourceType: 'cluster', name: 'warehouse' },
    ],
    [
      'arn:aws:dynamodb:us-west-2:123456789012:table/Orders',
      { service: 'dynamodb', resourceType: 'table', name: 'Orders' },
    ],
    [
      'arn:aws:s3:::customer-exports',
      { service: 's3', region: '', accountId: '', resourceType: 'bucket', name: 'customer-exports' },
    ],
  ])('reads %s', (arn, expected) => {
    expect(parseResourceArn(arn)).toMatchObject(expected);
  });

  it.each([
    ['arn:aws:ec2:us-east-1:123456789012:volume/vol-0123'],
    ['arn:aws:service:us-east-1:123456789012:resource-type/resource-id'],
    ['arn:aws:s3:::bucket/key'],
    ['not-an-arn'],
    ['arn:aws:rds:us-east-1:123456789012:db'],
  ])('does not match %s to a data store', (arn) => {
    expect(parseResourceArn(arn)).toBeUndefined();
  });
});

describe('firstHostLabel', () => {
  it.each([
    ['postgres-engineering.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/dev', 'postgres-engineering'],
    ['Orders-Aurora.cluster-xyz.us-east-1.rds.amazonaws.com', 'orders-aurora'],
    ['s3://customer-exports/prefix', 'customer-exports'],
    ['warehouse', 'warehouse'],
    ['', undefined],
  ])('reads %s as %s', (endpoint, label) => {
    expect(firstHostLabel(endpoint)).toBe(label);
  });
});
