import { describe, expect, it } from 'vitest';
import { readTaggerConfig } from '#shared/config/tagger.ts';
import { ConfigError } from '#shared/errors.ts';

describe('readTaggerConfig', () => {
  it("defaults to the guide's tag and a 26 hour RPO", () => {
    expect(readTaggerConfig({})).toEqual({
      unprotectedFinding: 'medium',
      acceptedSources: new Set(),
      mappings: new Map(),
      tag: {
        tagName: 'Unprotected',
        tagDescription: 'Data store is not currently-protected within remote system',
        tagColor: '#e3d9ff',
        categoryName: 'Remote System',
        categoryDescription: 'External tags defined in remote system',
        categoryId: undefined,
      },
      sweep: {
        rpoHours: 26,
        excludedServices: new Set(),
        excludedConnections: new Set(),
        maxChanges: 500,
        inventoryConcurrency: 8,
        maxLookups: 5_000,
      },
      inventory: {
        kind: 'aws-backup',
        roleArnTemplate: undefined,
        accounts: undefined,
        regions: undefined,
        backupEndpoint: undefined,
        stsEndpoint: undefined,
      },
      deadLetterQueueUrl: undefined,
    });
  });

  it('reads where the sweep asks AWS Backup', () => {
    const config = readTaggerConfig({
      BACKUP_INVENTORY: 'AWS-Backup',
      BACKUP_INVENTORY_ROLE: 'arn:aws:iam::{accountId}:role/dspm-bridge-backup-read',
      BACKUP_INVENTORY_ACCOUNTS: '123456789012, 234567890123',
      BACKUP_INVENTORY_REGIONS: 'us-west-2,eu-west-1',
      BACKUP_INVENTORY_CONCURRENCY: '4',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_ENDPOINT_URL_BACKUP: 'http://127.0.0.1:6000',
    });
    expect(config.inventory).toEqual({
      kind: 'aws-backup',
      roleArnTemplate: 'arn:aws:iam::{accountId}:role/dspm-bridge-backup-read',
      accounts: new Set(['123456789012', '234567890123']),
      regions: new Set(['us-west-2', 'eu-west-1']),
      backupEndpoint: 'http://127.0.0.1:6000',
      stsEndpoint: 'http://127.0.0.1:5000',
    });
    expect(config.sweep.inventoryConcurrency).toBe(4);
    expect(
      readTaggerConfig({ BACKUP_INVENTORY: 'off', BACKUP_INVENTORY_ROLE: 'reader' }).inventory,
    ).toMatchObject({
      kind: 'off',
      roleArnTemplate: 'reader',
    });
  });

  it('reads every variable', () => {
    const config = readTaggerConfig({
      BACKUP_EVENT_SOURCES: 'com.veeam.backup, com.commvault',
      BACKUP_RESOURCE_MAP: '{"arn:aws:dynamodb:us-west-2:1:table/Orders": 7}',
      UNPROTECTED_TAG_NAME: 'No Backup',
      UNPROTECTED_TAG_COLOR: '#FF0000',
      UNPROTECTED_TAG_CATEGORY_ID: '12',
      BACKUP_RPO_HOURS: '48',
      BACKUP_EXCLUDED_SERVICES: 's3,5',
      BACKUP_EXCLUDED_CONNECTIONS: '2',
      COVERAGE_MAX_CHANGES: '50',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.example/dlq.fifo',
    });
    expect(config).toMatchObject({
      acceptedSources: new Set(['com.veeam.backup', 'com.commvault']),
      mappings: new Map([['arn:aws:dynamodb:us-west-2:1:table/Orders', 7]]),
      tag: { tagName: 'No Backup', tagColor: '#FF0000', categoryId: 12 },
      sweep: {
        rpoHours: 48,
        excludedServices: new Set(['s3', '5']),
        excludedConnections: new Set([2]),
        maxChanges: 50,
      },
      deadLetterQueueUrl: 'https://sqs.example/dlq.fifo',
    });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a mapping that is not JSON',
      { BACKUP_RESOURCE_MAP: '{arn: 3}' },
      /BACKUP_RESOURCE_MAP must be a JSON object/,
    ],
    ['a mapping to a name', { BACKUP_RESOURCE_MAP: '{"arn:x": "three"}' }, /"arn:x" must map to a store id/],
    [
      'a colour word',
      { UNPROTECTED_TAG_COLOR: 'red' },
      /UNPROTECTED_TAG_COLOR must be a colour like #e3d9ff/,
    ],
    ['a zero RPO', { BACKUP_RPO_HOURS: '0' }, /BACKUP_RPO_HOURS must be between 1/],
    [
      'a connection name',
      { BACKUP_EXCLUDED_CONNECTIONS: 'aws-demo' },
      /BACKUP_EXCLUDED_CONNECTIONS must list connection ids/,
    ],
    [
      'an unknown inventory',
      { BACKUP_INVENTORY: 'veeam' },
      /BACKUP_INVENTORY must be aws-backup or off, got "veeam"/,
    ],
    [
      'a role ARN without {accountId} (one account would be asked about every account)',
      { BACKUP_INVENTORY_ROLE: 'arn:aws:iam::123456789012:role/reader' },
      /BACKUP_INVENTORY_ROLE must be a role name .* or an ARN with \{accountId\}/,
    ],
    ['a role name with a space', { BACKUP_INVENTORY_ROLE: 'backup reader' }, /BACKUP_INVENTORY_ROLE must be/],
    [
      'an 11-digit account',
      { BACKUP_INVENTORY_ACCOUNTS: '23456789012' },
      /BACKUP_INVENTORY_ACCOUNTS must list 12-digit account ids, got "23456789012"/,
    ],
    [
      'a region name',
      { BACKUP_INVENTORY_REGIONS: 'Oregon' },
      /BACKUP_INVENTORY_REGIONS must list regions like eu-west-1/,
    ],
    [
      'no concurrency',
      { BACKUP_INVENTORY_CONCURRENCY: '0' },
      /BACKUP_INVENTORY_CONCURRENCY must be between 1/,
    ],
  ])('refuses %s, naming the variable', (_case, env, message) => {
    expect(() => readTaggerConfig(env)).toThrow(ConfigError);
    expect(() => readTaggerConfig(env)).toThrow(message);
  });
});
