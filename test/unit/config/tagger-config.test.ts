import { describe, expect, it } from 'vitest';
import { readTaggerConfig } from '#shared/config/tagger.ts';
import { ConfigError } from '#shared/errors.ts';

describe('readTaggerConfig', () => {
  it("defaults to the guide's tag and a 26 hour RPO", () => {
    expect(readTaggerConfig({})).toEqual({
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
      sweep: { rpoHours: 26, excludedServices: new Set(), excludedConnections: new Set(), maxChanges: 500 },
      deadLetterQueueUrl: undefined,
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
  ])('refuses %s, naming the variable', (_case, env, message) => {
    expect(() => readTaggerConfig(env)).toThrow(ConfigError);
    expect(() => readTaggerConfig(env)).toThrow(message);
  });
});
