import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKING, type ProtectionSettings } from '#shared/backup/apply-protection.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { dryRunTagWriter } from '#shared/backup/store-tags.ts';
import { DEFAULT_UNPROTECTED_TAG } from '#shared/backup/unprotected-tag.ts';
import { systemClock } from '#shared/clock.ts';
import type { DspmClient } from '#shared/dspm/client.ts';
import { DETAIL_SCHEMAS, type ProtectionChangedDetail } from '#shared/events/contract.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { CatalogCache } from '#shared/risk/catalog-cache.ts';
import { DryRunStateStore } from '#shared/state/dry-run-store.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  awsBackupJobEvent,
  ENGINEERING_ARN,
  genericBackupEvent,
  PRODUCTION_ARN,
} from '../../helpers/backup-events.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TENANT = 'example.goskope.com';
const GDPR = 1000004;
const PII = 1000007;

describe('the tagger against the guide tenant', () => {
  let sim: RunningSimulator;
  let dspm: DspmClient;
  let state: MemoryStateStore;
  let sink: RecordingSink;
  const logger = new Capture();
  const settings: ProtectionSettings = {
    tag: DEFAULT_UNPROTECTED_TAG,
    source: 'netskope.dspm',
    test: true,
    mappings: new Map(),
    ...DEFAULT_LOCKING,
  };
  const ports = (clock = systemClock) => ({
    dspm,
    state,
    sink,
    catalog: new CatalogCache(dspm, clock),
    clock,
    logger,
    tenant: TENANT,
  });
  /** A dry run's ports, as the wiring chooses them: nothing written, nothing created, nothing published. */
  const dryRunPorts = (clock = systemClock) => {
    const live = ports(clock);
    const readOnly = new DryRunStateStore(state);
    return {
      ...live,
      state: readOnly,
      sink: new RecordingSink(),
      tags: dryRunTagWriter({ ...live, state: readOnly }, DEFAULT_UNPROTECTED_TAG),
    };
  };
  const apply = (event: object, overrides: Partial<ProtectionSettings> = {}) =>
    handleBackupEvent(JSON.stringify(event), ports(), {
      ...settings,
      ...overrides,
      acceptedSources: new Set(['com.veeam.backup']),
    });
  const tagsOf = (id: number) => sim.tenant.getStore(id)?.data_tags ?? [];
  const unprotectedTagId = () => sim.tenant.listTags().find((t) => t.name === 'Unprotected')?.id;
  const protectionEvents = () => sink.details<ProtectionChangedDetail>('data-store-protection-changed');

  beforeAll(async () => {
    sim = await startSimulator();
  });
  beforeEach(async () => {
    sim.tenant.reset();
    sim.faults.clear();
    dspm = testClient(sim.url);
    state = new MemoryStateStore();
    sink = new RecordingSink();
    // The poller's baseline gives the tagger the stores' identities (endpoint and resource indexes).
    await pollDataStores(
      { dspm, state, sink, clock: systemClock, logger, tenant: TENANT },
      DEFAULT_POLL_SETTINGS,
    );
    sink.clear();
    sim.clearRequests();
  });
  afterAll(() => sim.close());

  it("tags the store of a failed AWS Backup job, creating the guide's category and tag once", async () => {
    // Act
    const result = await apply(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z'));
    // Assert
    expect(result).toMatchObject({
      kind: 'applied',
      outcome: { status: 'applied', storeId: 1, protection: 'unprotected', tagAction: 'added' },
    });
    const tagId = unprotectedTagId();
    expect(tagsOf(1)).toEqual([tagId]);
    expect(sim.tenant.listCategories().filter((c) => c.name === 'Remote System')).toHaveLength(1);
    const [event] = protectionEvents();
    expect(event).toMatchObject({
      correlationId: 'example.goskope.com/data-store/1',
      protection: {
        previous: null,
        current: { status: 'unprotected', reason: 'LAST_JOB_FAILED', system: 'aws-backup' },
      },
      tag: { id: tagId, name: 'Unprotected', action: 'added' },
      trigger: { source: 'aws.backup', detailType: 'Backup Job State Change' },
      dataStore: { id: 1, name: 'engineering', service: { name: 'rdspostgres' } },
    });
    expect(DETAIL_SCHEMAS['data-store-protection-changed'].safeParse(event).success).toBe(true);
  });

  it('untags it when a later job completes, and keeps the tags it did not add', async () => {
    sim.tenant.updateStore(1, { data_tags: [GDPR, PII] });
    await apply(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z'));
    expect(tagsOf(1)).toEqual([GDPR, PII, unprotectedTagId()]);
    await apply(awsBackupJobEvent('COMPLETED', ENGINEERING_ARN, '2026-11-22T11:00:00Z'));
    expect(tagsOf(1)).toEqual([GDPR, PII]);
    expect(protectionEvents().map((e) => e.tag.action)).toEqual(['added', 'removed']);
    expect(await state.getProtection(TENANT, 1)).toMatchObject({
      status: 'protected',
      lastSuccessAt: '2026-11-22T11:00:00.000Z',
      tagAddedByBridge: false,
    });
  });

  it('treats a replayed event as a no-op: no DSPM write, no event', async () => {
    const event = awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z');
    await apply(event);
    sim.clearRequests();
    sink.clear();
    const again = await apply(event);
    expect(again).toMatchObject({ kind: 'applied', outcome: { status: 'duplicate', storeId: 1 } });
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(sink.events).toEqual([]);
  });

  it('re-sends the same eventId when a backup event is redelivered after its publish failed, minutes later', async () => {
    // Arrange: the bus refuses the first attempt; SQS redelivers the same event seven minutes on.
    const event = JSON.stringify(awsBackupJobEvent('FAILED', PRODUCTION_ARN, '2026-11-22T12:00:00Z'));
    const handle = (at: string) =>
      handleBackupEvent(event, ports(new FakeClock(Date.parse(at))), {
        ...settings,
        acceptedSources: new Set(),
      });
    sink.reject = () => true;
    // Act
    await expect(handle('2026-11-22T12:00:05Z')).rejects.toThrow(
      /publishing data-store-protection-changed failed/,
    );
    sink.reject = () => false;
    await handle('2026-11-22T12:07:00Z');
    // Assert: two attempts, one id, so a subscriber drops the duplicate if the first got through.
    const ids = sink.attempted
      .filter((e) => e.detailType === 'data-store-protection-changed')
      .map((e) => (e.detail as ProtectionChangedDetail).eventId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect(tagsOf(3)).toContain(unprotectedTagId());
  });

  describe('when people change the catalog', () => {
    const failedJob = (arn: string, time: string) => apply(awsBackupJobEvent('FAILED', arn, time));
    const noSentinel = async () => {
      const ref = await state.getTagRef(TENANT);
      expect(ref?.tagId).toBeGreaterThanOrEqual(0);
      if (ref?.categoryId !== undefined) expect(ref.categoryId).toBeGreaterThanOrEqual(0);
    };

    it('finds or creates the tag again after a person deleted it, instead of failing every write', async () => {
      // Arrange: the bridge made the tag, then a person deleted it from the catalog.
      await failedJob(PRODUCTION_ARN, '2026-11-22T12:00:00Z');
      const deleted = unprotectedTagId() as number;
      sim.tenant.deleteTag(deleted);
      // Act
      const outcome = await failedJob(ENGINEERING_ARN, '2026-11-22T12:05:00Z');
      // Assert: a new tag, on the store, and recorded for the next write.
      const recreated = unprotectedTagId();
      expect(outcome).toMatchObject({ kind: 'applied' });
      expect(recreated).toBeDefined();
      expect(recreated).not.toBe(deleted);
      expect(tagsOf(1)).toContain(recreated);
      expect((await state.getTagRef(TENANT))?.tagId).toBe(recreated);
      expect(logger.lines.some((line) => /refused the Unprotected tag id/.test(line.message))).toBe(true);
      await noSentinel();
    });

    it('leaves a renamed tag to the person who renamed it and uses a tag that is called Unprotected', async () => {
      // Arrange
      await failedJob(PRODUCTION_ARN, '2026-11-22T12:00:00Z');
      const original = sim.tenant.listTags().find((t) => t.name === 'Unprotected') as {
        id: number;
        category_id: number;
      };
      sim.tenant.updateTag({
        id: original.id,
        name: 'Legacy backup flag',
        category_id: original.category_id,
      });
      // Act
      await failedJob(ENGINEERING_ARN, '2026-11-22T12:05:00Z');
      // Assert: the renamed tag stays where it was; the store gets the (new) Unprotected tag.
      const current = unprotectedTagId();
      expect(current).not.toBe(original.id);
      expect(tagsOf(1)).toEqual([current]);
      expect(tagsOf(3)).toContain(original.id);
      await noSentinel();
    });

    it('uses a tag a person already made under another case, instead of a conflict', async () => {
      // Arrange: "unprotected" exists; DSPM keeps names unique ignoring case.
      const category = sim.tenant.createCategory({ name: 'Backups' });
      const existing = sim.tenant.createTag({ name: 'unprotected', category_id: category.id });
      // Act
      await failedJob(PRODUCTION_ARN, '2026-11-22T12:00:00Z');
      // Assert
      expect(tagsOf(3)).toContain(existing.id);
      expect(sim.tenant.listTags().filter((t) => t.name.toLowerCase() === 'unprotected')).toHaveLength(1);
      expect(await state.getTagRef(TENANT)).toEqual({ tagId: existing.id, categoryId: category.id });
    });
  });

  it('ignores an event older than the last one applied', async () => {
    await apply(awsBackupJobEvent('COMPLETED', ENGINEERING_ARN, '2026-11-22T12:00:00Z'));
    const late = await apply(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T09:00:00Z'));
    expect(late).toMatchObject({ kind: 'applied', outcome: { status: 'stale' } });
    expect(tagsOf(1)).toEqual([]);
  });

  it('ends 50 concurrent events for one store with exactly the tag set of the latest one', async () => {
    // Arrange: alternating outcomes, shuffled, the latest (i = 49) a failure.
    sim.tenant.updateStore(3, { data_tags: [GDPR] });
    const events = Array.from({ length: 50 }, (_, i) =>
      awsBackupJobEvent(
        i % 2 === 0 ? 'COMPLETED' : 'FAILED',
        PRODUCTION_ARN,
        new Date(Date.UTC(2026, 10, 22, 10, i)).toISOString(),
      ),
    ).sort(() => Math.random() - 0.5);
    // Act
    const results = await Promise.all(events.map((event) => apply(event)));
    // Assert
    expect(results.every((r) => r.kind === 'applied')).toBe(true);
    expect(tagsOf(3)).toEqual([GDPR, unprotectedTagId()]);
    expect(await state.getProtection(TENANT, 3)).toMatchObject({
      status: 'unprotected',
      observedAt: '2026-11-22T10:49:00.000Z',
    });
    expect(sim.tenant.listTags().filter((t) => t.name === 'Unprotected')).toHaveLength(1);
  });

  it('creates the category and the tag once when many stores are tagged at the same moment', async () => {
    const results = await Promise.all(
      [1, 2, 3].flatMap((id) =>
        [0, 1, 2].map((n) =>
          apply(
            genericBackupEvent(
              { dataStoreId: id, protected: false, reason: 'NOT_ENROLLED' },
              `2026-11-22T10:0${n}:00Z`,
            ),
          ),
        ),
      ),
    );
    expect(results.every((r) => r.kind === 'applied')).toBe(true);
    expect(sim.tenant.listTags().filter((t) => t.name === 'Unprotected')).toHaveLength(1);
    expect(sim.tenant.listCategories().filter((c) => c.name === 'Remote System')).toHaveLength(1);
    for (const id of [1, 2, 3]) expect(tagsOf(id)).toContain(unprotectedTagId());
  });

  it('acknowledges an event about a resource DSPM does not know, changing nothing', async () => {
    const result = await apply(
      awsBackupJobEvent('FAILED', 'arn:aws:rds:eu-west-1:999999999999:db:elsewhere', '2026-11-22T10:00:00Z'),
    );
    expect(result).toMatchObject({ kind: 'applied', outcome: { status: 'unknown-resource' } });
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('finds a store by endpoint from a generic event', async () => {
    const endpoint = 'mysql-db-dev.abcdefghijk1.us-west-2.rds.amazonaws.com:3306';
    const result = await apply(genericBackupEvent({ endpoint, protected: false, reason: 'RPO_BREACH' }));
    expect(result).toMatchObject({ kind: 'applied', outcome: { storeId: 2, tagAction: 'added' } });
  });

  it('honours an explicit mapping over everything else', async () => {
    const mappings = new Map([['arn:aws:dynamodb:us-west-2:123456789012:table/Orders', 3]]);
    const result = await apply(
      awsBackupJobEvent(
        'FAILED',
        'arn:aws:dynamodb:us-west-2:123456789012:table/Orders',
        '2026-11-22T10:00:00Z',
      ),
      { mappings },
    );
    expect(result).toMatchObject({ kind: 'applied', outcome: { storeId: 3, tagAction: 'added' } });
  });

  it('keeps an Unprotected tag a person put on the store when backups succeed', async () => {
    await apply(genericBackupEvent({ dataStoreId: 1, protected: false, reason: 'NOT_ENROLLED' }));
    const tagId = unprotectedTagId();
    if (tagId === undefined) throw new Error('the tag exists now');
    sim.tenant.updateStore(2, { data_tags: [tagId] });
    const result = await apply(
      awsBackupJobEvent(
        'COMPLETED',
        'arn:aws:rds:us-west-2:23456789012:db:mysql-db-dev',
        '2026-11-22T11:00:00Z',
      ),
    );
    expect(result).toMatchObject({
      kind: 'applied',
      outcome: { storeId: 2, protection: 'protected', tagAction: 'kept' },
    });
    expect(tagsOf(2)).toEqual([tagId]);
  });

  it('writes nothing in a dry run but says what would happen', async () => {
    const result = await handleBackupEvent(
      JSON.stringify(awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z')),
      dryRunPorts(),
      { ...settings, acceptedSources: new Set() },
    );
    expect(result).toMatchObject({
      kind: 'applied',
      outcome: { tagAction: 'added', event: { detailType: 'data-store-protection-changed' } },
    });
    expect(sim.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(await state.getProtection(TENANT, 1)).toBeUndefined();
  });

  it('reports a malformed event with its reason instead of throwing', async () => {
    expect(await apply({ id: 'x', source: 'aws.backup' })).toEqual({
      kind: 'malformed',
      reason: 'detail-type: expected string, got nothing (field missing)',
    });
  });

  it('re-applies cleanly when DSPM fails mid-way: the retry writes the tag once', async () => {
    sim.faults.add({ kind: 'status', status: 503, count: 10, match: { method: 'PUT' } });
    const event = awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-11-22T10:00:00Z');
    await expect(apply(event)).rejects.toThrow(/server error 503/);
    expect(await state.getProtection(TENANT, 1)).toBeUndefined();
    sim.faults.clear();
    await apply(event);
    expect(tagsOf(1)).toEqual([unprotectedTagId()]);
  });

  it('never puts the token in its logs', () => {
    expect(logger.text()).not.toContain('simulator-token');
  });
});
