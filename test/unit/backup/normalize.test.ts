import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeBackupEvent } from '#shared/backup/normalize.ts';
import { BackupEventError } from '#shared/backup/observation.ts';
import { loadFixture } from '../../helpers/fixtures.ts';

const options = { acceptedSources: new Set(['com.veeam.backup']) };
const awsSample = (file: string) => loadFixture<Record<string, unknown>>(`backup/aws/${file}`);

const generic = (detail: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'evt-1',
  'detail-type': 'backup-protection-changed',
  source: 'com.veeam.backup',
  time: '2026-11-22T10:00:00Z',
  detail,
  ...overrides,
});

describe("AWS Backup's documented sample events", () => {
  it.each([
    ['backup-job-completed.json', true, 'BACKUP_SUCCEEDED'],
    ['backup-job-failed.json', false, 'LAST_JOB_FAILED'],
    ['backup-job-aborted.json', false, 'LAST_JOB_FAILED'],
    ['backup-job-expired.json', false, 'LAST_JOB_FAILED'],
    ['recovery-point-state-change-completed.json', true, 'BACKUP_SUCCEEDED'],
  ])('%s is an observation: protected %s, %s', (file, isProtected, reason) => {
    const sample = awsSample(file);
    const result = normalizeBackupEvent(sample, options);
    expect(result).toMatchObject({
      kind: 'observation',
      observation: {
        eventId: sample.id,
        system: 'aws-backup',
        protected: isProtected,
        reason,
        target: { resourceArn: (sample.detail as { resourceArn: string }).resourceArn },
        observedAt: new Date(sample.time as string),
        successAt: isProtected ? new Date(sample.time as string) : undefined,
      },
    });
  });

  const observed = new Set([
    'backup-job-completed.json',
    'backup-job-failed.json',
    'backup-job-aborted.json',
    'backup-job-expired.json',
    'recovery-point-state-change-completed.json',
  ]);
  const others = readdirSync(new URL('../../fixtures/backup/aws/', import.meta.url)).filter(
    (file) => file.endsWith('.json') && file !== 'index.json' && !observed.has(file),
  );

  it.each(others)('%s is understood and changes nothing', (file) => {
    expect(normalizeBackupEvent(awsSample(file), options)).toMatchObject({
      kind: 'ignored',
      why: expect.any(String),
    });
  });
});

describe('the generic backup-protection-changed contract', () => {
  it('reads every field', () => {
    const result = normalizeBackupEvent(
      generic({
        endpoint: 'db.example:5432/x',
        dataStoreId: 3,
        protected: false,
        reason: 'RPO_BREACH',
        observedAt: '2026-11-22T09:00:00Z',
        system: 'veeam',
      }),
      options,
    );
    expect(result).toEqual({
      kind: 'observation',
      observation: {
        eventId: 'evt-1',
        source: 'com.veeam.backup',
        detailType: 'backup-protection-changed',
        system: 'veeam',
        observedAt: new Date('2026-11-22T09:00:00Z'),
        target: { resourceArn: undefined, endpoint: 'db.example:5432/x', dataStoreId: 3 },
        protected: false,
        reason: 'RPO_BREACH',
        successAt: undefined,
      },
    });
  });

  it('uses the envelope time when the detail has none', () => {
    const result = normalizeBackupEvent(
      generic({ dataStoreId: 1, protected: true, reason: 'ENROLLED', system: 'veeam' }),
      options,
    );
    expect(result).toMatchObject({ observation: { observedAt: new Date('2026-11-22T10:00:00Z') } });
  });
});

describe('a bad event', () => {
  it.each<[string, unknown, string]>([
    ['not an object', 'hello', '(event): expected object, got string'],
    ['no id', { ...generic({}), id: undefined }, 'id: expected string, got nothing (field missing)'],
    ['a bad time', generic({}, { time: 'yesterday' }), 'time: Invalid ISO datetime'],
    [
      'a source not accepted',
      generic({}, { source: 'evil.backup' }),
      'source: "evil.backup" is not an accepted backup event source (BACKUP_EVENT_SOURCES)',
    ],
    [
      'another detail type',
      generic({}, { 'detail-type': 'job-done' }),
      'detail-type: expected "backup-protection-changed" from com.veeam.backup, got "job-done"',
    ],
    [
      'no target',
      generic({ protected: true, reason: 'ENROLLED', system: 'veeam' }),
      'detail.endpoint: needs at least one of endpoint, resourceArn, dataStoreId',
    ],
    [
      'protected as a string',
      generic({ dataStoreId: 1, protected: 'no', reason: 'ENROLLED', system: 'veeam' }),
      'detail.protected: expected boolean, got string',
    ],
    [
      'an unknown reason',
      generic({ dataStoreId: 1, protected: false, reason: 'BROKEN', system: 'veeam' }),
      'detail.reason: Invalid option',
    ],
    [
      'a job state that is a number',
      { ...awsSample('backup-job-failed.json'), detail: { resourceArn: 'arn:aws:rds:x', state: 3 } },
      'detail.state: expected string, got number',
    ],
    [
      'a failed job without resourceArn',
      { ...awsSample('backup-job-failed.json'), detail: { state: 'FAILED' } },
      'detail.resourceArn: expected a string for a FAILED job, got nothing (field missing)',
    ],
  ])('is refused with an error naming what was wrong: %s', (_case, event, message) => {
    let caught: unknown;
    try {
      normalizeBackupEvent(event, options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackupEventError);
    expect((caught as Error).message).toContain(message);
  });

  it.each([['__proto__'], ['constructor']])('with a %s key pollutes nothing', (key) => {
    const event = JSON.parse(
      `{"id":"x","detail-type":"backup-protection-changed","source":"com.veeam.backup","time":"2026-11-22T10:00:00Z","detail":{"${key}":{"polluted":true},"dataStoreId":1,"protected":true,"reason":"ENROLLED","system":"v"}}`,
    );
    normalizeBackupEvent(event, options);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('tolerant where AWS is loose, strict where a decision depends on it', () => {
  const withDetail = (file: string, patch: Record<string, unknown>) => {
    const sample = structuredClone(awsSample(file));
    return { ...sample, detail: { ...(sample.detail as object), ...patch } };
  };

  it.each([
    ['backup-job-completed.json', true],
    ['backup-job-failed.json', false],
  ])('reads %s with statusMessage, sizes, dates and ids null', (file, isProtected) => {
    // Arrange: every informational field null, as AWS sends some of them.
    const event = withDetail(file, {
      statusMessage: null,
      backupSizeInBytes: null,
      bytesTransferred: null,
      creationDate: null,
      completionDate: null,
      backupJobId: null,
      resourceType: null,
    });
    // Act / Assert
    expect(
      normalizeBackupEvent({ ...event, account: null, region: null, resources: null }, options),
    ).toMatchObject({
      kind: 'observation',
      observation: { protected: isProtected },
    });
  });

  it('reads a generic event whose optional fields are null, naming the source as the system', () => {
    const result = normalizeBackupEvent(
      generic({
        dataStoreId: 3,
        protected: false,
        reason: 'LAST_JOB_FAILED',
        endpoint: null,
        system: null,
        observedAt: null,
      }),
      options,
    );
    expect(result).toMatchObject({
      kind: 'observation',
      observation: { system: 'com.veeam.backup', target: { dataStoreId: 3, endpoint: undefined } },
    });
  });

  it('still refuses a FAILED job whose resourceArn is null, naming the field', () => {
    expect(() =>
      normalizeBackupEvent(withDetail('backup-job-failed.json', { resourceArn: null }), options),
    ).toThrow('detail.resourceArn: expected a string for a FAILED job, got null');
  });

  it.each([
    [
      'a 3 MB resourceArn',
      () => withDetail('backup-job-completed.json', { resourceArn: `arn:aws:rds:${'x'.repeat(3_000_000)}` }),
    ],
    [
      'a 3 MB detail-type',
      () =>
        generic(
          { dataStoreId: 3, protected: true, reason: 'ENROLLED' },
          { 'detail-type': 'y'.repeat(3_000_000) },
        ),
    ],
    [
      'a 3 MB source',
      () =>
        generic({ dataStoreId: 3, protected: true, reason: 'ENROLLED' }, { source: 'z'.repeat(3_000_000) }),
    ],
  ])('refuses %s with a short error that names the field', (_what, event) => {
    const error = (() => {
      try {
        normalizeBackupEvent(event(), options);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a BackupEventError');
    })();
    expect(error).toBeInstanceOf(BackupEventError);
    expect(error.message.length).toBeLessThan(300);
    expect((error as BackupEventError).field).toMatch(/resourceArn|detail-type|source/);
  });
});
