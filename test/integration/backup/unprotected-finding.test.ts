/**
 * The tagger's `unprotected` finding: raised when a backup event marks a store unprotected,
 * resolved when protection returns, kept with the protection record and committed only once its
 * event was accepted (a redelivery re-sends the same eventId). The simulator plays the tenant.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKING, type ProtectionSettings } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import type { DspmClient } from '#shared/dspm/client.ts';
import { type FindingDetail, findingDetailSchema } from '#shared/events/contract.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { awsBackupJobEvent, ENGINEERING_ARN } from '../../helpers/backup-events.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TENANT = 'example.goskope.com';

describe("the tagger's unprotected finding", () => {
  let sim: RunningSimulator;
  let dspm: DspmClient;
  let state: MemoryStateStore;
  let sink: RecordingSink;
  const settings: ProtectionSettings = {
    tag: DEFAULT_UNPROTECTED_TAG,
    source: 'netskope.dspm',
    test: true,
    mappings: new Map(),
    ...DEFAULT_LOCKING,
  };
  const apply = (event: object, overrides: Partial<ProtectionSettings> = {}) =>
    handleBackupEvent(
      JSON.stringify(event),
      {
        dspm,
        state,
        sink,
        catalog: new CatalogCache(dspm, systemClock),
        clock: systemClock,
        logger: new Capture(),
        tenant: TENANT,
      },
      { ...settings, ...overrides, acceptedSources: new Set() },
    );
  const findings = () =>
    sink.events
      .filter((e) => e.detailType.startsWith('data-store-finding-'))
      .map((e) => e.detail as FindingDetail);

  beforeAll(async () => {
    sim = await startSimulator();
  });
  beforeEach(async () => {
    sim.tenant.reset();
    dspm = testClient(sim.url);
    state = new MemoryStateStore();
    sink = new RecordingSink();
    await pollDataStores(
      { dspm, state, sink, clock: systemClock, logger: new Capture(), tenant: TENANT },
      DEFAULT_POLL_SETTINGS,
    );
    sink.clear();
  });
  afterAll(() => sim.close());

  it('opens on a failed job, stays quiet on another, resolves when a job succeeds', async () => {
    // Act
    await apply(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z'));
    await apply(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T11:00:00Z'));
    await apply(awsBackupJobEvent('COMPLETED', ENGINEERING_ARN, '2026-11-22T12:00:00Z'));
    // Assert
    const details = findings().map((detail) => findingDetailSchema.parse(detail));
    const findingId = `${TENANT}/data-store/1/finding/unprotected`;
    expect(details).toMatchObject([
      {
        findingId,
        condition: 'unprotected',
        status: 'open',
        severity: 'medium',
        occurrence: 1,
        sequence: 1,
        pollId: null,
        baseline: false,
        openedAt: '2026-11-22T10:00:00.000Z',
        evidence: { protection_status: 'unprotected', backup_system: 'aws-backup' },
        dataStore: { id: 1 },
      },
      {
        findingId,
        status: 'resolved',
        resolution: 'condition-cleared',
        sequence: 2,
        resolvedAt: '2026-11-22T12:00:00.000Z',
      },
    ]);
    expect(sink.events.find((e) => e.detailType === 'data-store-finding-opened')?.storeId).toBe(1);
    expect((await state.getProtection(TENANT, 1))?.unprotectedFinding).toMatchObject({
      status: 'resolved',
      sequence: 2,
    });
  });

  it('records nothing when its event is refused, and the redelivery re-sends the same eventId', async () => {
    // Arrange: the bus refuses the finding (the protection-changed beside it goes through).
    const event = awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z');
    sink.reject = (published) => published.detailType === 'data-store-finding-opened';
    // Act
    await expect(apply(event)).rejects.toThrow(/publishing data-store-finding-opened failed/);
    const afterRefusal = await state.getProtection(TENANT, 1);
    sink.reject = () => false;
    await apply(event);
    // Assert
    expect(afterRefusal).toBeUndefined();
    const ids = sink.attempted
      .filter((e) => e.detailType === 'data-store-finding-opened')
      .map((e) => (e.detail as FindingDetail).eventId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect((await state.getProtection(TENANT, 1))?.unprotectedFinding).toMatchObject({ status: 'open' });
  });

  it('raises nothing when FINDING_SEVERITIES turns the condition off', async () => {
    await apply(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z'), {
      unprotectedFinding: 'off',
    });
    expect(findings()).toEqual([]);
    expect(sink.details('data-store-protection-changed')).toHaveLength(1);
  });

  it('takes the configured severity', async () => {
    await apply(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z'), {
      unprotectedFinding: 'critical',
    });
    expect(findings()).toMatchObject([{ severity: 'critical' }]);
  });
});
