import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import type { DspmClient } from '#shared/dspm/client.ts';
import {
  DETAIL_SCHEMAS,
  type FindingDetail,
  type PollCompletedDetail,
  type RiskChangedDetail,
} from '#shared/events/contract.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS, type PollSettings } from '#shared/poll/poll-config.ts';
import { DryRunStateStore } from '#shared/state/dry-run-store.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TENANT = 'example.goskope.com';

describe('a poll of the guide tenant', () => {
  let sim: RunningSimulator;
  let dspm: DspmClient;
  let state: MemoryStateStore;
  let sink: RecordingSink;
  const logger = new Capture();
  const poll = (settings: Partial<PollSettings> = {}) =>
    pollDataStores(
      { dspm, state, sink, clock: systemClock, logger, tenant: TENANT },
      { ...DEFAULT_POLL_SETTINGS, ...settings },
    );
  const summaryOf = () => sink.details<PollCompletedDetail>('dspm-poll-completed').at(-1);

  beforeAll(async () => {
    sim = await startSimulator();
  });
  beforeEach(async () => {
    sim.tenant.reset();
    sim.faults.clear();
    dspm = testClient(sim.url);
    state = new MemoryStateStore();
    sink = new RecordingSink();
    await poll(); // the baseline
    sink.clear();
  });
  afterAll(() => sim.close());

  it('records a silent baseline on the first poll: only the summary and baseline findings are published', async () => {
    // Arrange: a fresh state.
    state = new MemoryStateStore();
    // Act
    const outcome = await poll();
    // Assert: store 1's encryption is Off in the guide's tenant: its finding opens, as baseline.
    expect(sink.events.map((e) => e.detailType)).toEqual([
      'data-store-finding-opened',
      'dspm-poll-completed',
    ]);
    expect(sink.details<FindingDetail>('data-store-finding-opened')).toMatchObject([
      { condition: 'encryption-off', baseline: true, occurrence: 1, dataStore: { id: 1 } },
    ]);
    expect(outcome).toMatchObject({
      status: 'completed',
      summary: { baseline: true, complete: true, stores: { seen: 3 } },
    });
    const records = await state.loadStores(TENANT);
    expect([...records.values()].map((r) => r.sequence)).toEqual([0, 0, 0]);
    expect(await state.loadMeta(TENANT)).toMatchObject({ lastPollId: outcome.pollId });
  });

  it('announces every store on the first poll when told not to take a silent baseline', async () => {
    state = new MemoryStateStore();
    await poll({ emitBaselineEvents: true });
    expect(sink.details('data-store-discovered').map((d) => (d.dataStore as { id: number }).id)).toEqual([
      1, 2, 3,
    ]);
  });

  it('reports a risk rating rising across a band', async () => {
    sim.tenant.updateStore(1, { data_store_risk_rating: 72 });
    await poll();
    const [event] = sink.details<RiskChangedDetail>('data-store-risk-changed');
    expect(event).toMatchObject({
      sequence: 1,
      severity: 'high',
      riskLevel: { previous: 'medium', current: 'high' },
      direction: 'increased',
      changedFields: ['data_store_risk_rating'],
      changes: [
        { field: 'data_store_risk_rating', previous: 36, current: 72, delta: 36, direction: 'increased' },
      ],
      dataStore: {
        id: 1,
        name: 'engineering',
        service: { name: 'rdspostgres' },
        infrastructureConnection: { name: 'aws-demo', platform: 'AWS' },
      },
      test: false,
    });
  });

  it('treats -1 becoming a value as unknown becoming known, not a jump of 41', async () => {
    sim.tenant.updateStore(3, { data_store_risk_rating: 40 });
    await poll();
    const [event] = sink.details<RiskChangedDetail>('data-store-risk-changed');
    expect(event?.changes).toEqual([
      { field: 'data_store_risk_rating', previous: null, current: 40, direction: 'neutral' },
    ]);
    expect(event).toMatchObject({
      direction: 'neutral',
      riskLevel: { previous: 'unknown', current: 'medium' },
    });
  });

  it('reports encryption turned off as an increase', async () => {
    sim.tenant.updateStore(2, { encryption: 'Off' });
    await poll();
    expect(sink.details<RiskChangedDetail>('data-store-risk-changed')[0]).toMatchObject({
      direction: 'increased',
      changes: [{ field: 'encryption', previous: 'On', current: 'Off', direction: 'increased' }],
    });
  });

  it('reports a tag added, by id and by name', async () => {
    sim.tenant.updateStore(1, { data_tags: [1000004] });
    await poll();
    const [event] = sink.details<RiskChangedDetail>('data-store-risk-changed');
    expect(event?.changes[0]).toMatchObject({
      field: 'data_tags',
      added: [{ id: 1000004, name: 'GDPR' }],
      removed: [],
      direction: 'neutral',
    });
    expect(event?.dataStore.dataTags).toEqual([{ id: 1000004, name: 'GDPR', categoryId: 3 }]);
  });

  it('reports a store that appeared, and one removed from a complete listing', async () => {
    const added = sim.tenant.addStore({ name: 'new-bucket' });
    sim.tenant.removeStore(2);
    const outcome = await poll();
    expect(sink.details('data-store-discovered')).toMatchObject([
      { dataStore: { id: added.id, name: 'new-bucket' }, sequence: 1 },
    ]);
    expect(sink.details('data-store-removed')).toMatchObject([
      { dataStore: { id: 2, name: 'finance' }, sequence: 1, previous: { encryption: 'On' } },
    ]);
    expect(outcome).toMatchObject({ summary: { complete: true, stores: { discovered: 1, removed: 1 } } });
    expect((await state.loadStores(TENANT)).get(2)).toMatchObject({
      sequence: 1,
      removedAt: expect.any(String),
    });
  });

  it('continues the sequence of a store that comes back after removal', async () => {
    const finance = sim.tenant.getStore(2);
    sim.tenant.removeStore(2);
    await poll();
    if (!finance) throw new Error('the guide tenant has store 2');
    sim.tenant.reset();
    sink.clear();
    await poll();
    expect(sink.details('data-store-discovered')).toMatchObject([{ dataStore: { id: 2 }, sequence: 2 }]);
  });

  it('writes only the lease and the tenant facts when nothing changed', async () => {
    const before = state.itemsWritten;
    await poll();
    expect(state.itemsWritten - before).toBe(3);
    expect(sink.events.map((e) => e.detailType)).toEqual(['dspm-poll-completed']);
    expect(summaryOf()).toMatchObject({ stores: { unchanged: 3, changed: 0 }, events: { published: 0 } });
  });

  it('quiets changes under the minimum delta until they add up', async () => {
    const settings = { minimumDeltas: { sensitive_record_count: 50 } };
    sim.tenant.updateStore(1, { sensitive_record_count: 101 });
    await poll(settings);
    sim.tenant.updateStore(1, { sensitive_record_count: 131 });
    await poll(settings);
    expect(sink.details('data-store-risk-changed')).toMatchObject([
      { changes: [{ field: 'sensitive_record_count', previous: 71, current: 131, delta: 60 }] },
    ]);
  });

  it('skips quietly while another poll holds the lease', async () => {
    await state.tryAcquireLease(TENANT, 'someone-else', new Date(), 60_000);
    const outcome = await poll();
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'lease-held' });
    expect(sink.events).toEqual([]);
  });

  it('commits nothing through the dry-run state, and takes no lease, so the next poll sees the change again', async () => {
    sim.tenant.updateStore(1, { backup: 'Off' });
    await pollDataStores(
      { dspm, state: new DryRunStateStore(state), sink, clock: systemClock, logger, tenant: TENANT },
      DEFAULT_POLL_SETTINGS,
    );
    expect(await state.tryAcquireLease(TENANT, 'probe', new Date(), 60_000)).toBe(true);
    await state.releaseLease(TENANT, 'probe');
    await poll();
    const ids = sink.details<RiskChangedDetail>('data-store-risk-changed').map((d) => d.eventId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('keeps a rejected store uncommitted and re-sends its event with the same id next poll', async () => {
    // Arrange: stores 2 and 3 change; the sink refuses store 3's event once.
    sim.tenant.updateStore(2, { encryption: 'Off' });
    sim.tenant.updateStore(3, { encryption: 'Off' });
    sink.reject = (event) => event.storeId === 3;
    // Act
    await poll();
    const refused = sink.attempted.find((e) => e.storeId === 3)?.detail as RiskChangedDetail;
    const afterFirst = await state.loadStores(TENANT);
    sink.reject = () => false;
    sink.clear();
    await poll();
    // Assert: store 2 committed at once; store 3 stayed behind and was re-sent with the same id.
    expect(afterFirst.get(2)).toMatchObject({ sequence: 1, snapshot: { encryption: 'Off' } });
    expect(afterFirst.get(3)).toMatchObject({ sequence: 0, snapshot: { encryption: 'On' } });
    const retried = sink.details<RiskChangedDetail>('data-store-risk-changed');
    expect(retried.map((d) => d.dataStore.id)).toEqual([3]);
    expect(retried[0]?.eventId).toBe(refused.eventId);
    expect((await state.loadStores(TENANT)).get(3)).toMatchObject({ sequence: 1 });
  });

  it('publishes details that every schema of the contract accepts', async () => {
    sim.tenant.updateStore(1, { data_store_risk_rating: 90, data_tags: [1000007] });
    sim.tenant.addStore({ name: 'another' });
    sim.tenant.removeStore(3);
    await poll();
    expect(new Set(sink.events.map((event) => event.detailType))).toEqual(
      new Set([
        'data-store-risk-changed',
        'data-store-finding-opened',
        'data-store-discovered',
        'data-store-removed',
        'dspm-poll-completed',
      ]),
    );
    for (const event of sink.events) {
      const schema = DETAIL_SCHEMAS[event.detailType as keyof typeof DETAIL_SCHEMAS];
      expect(schema.safeParse(event.detail).error).toBeUndefined();
    }
  });
});

describe('a poll whose listing is cut short', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ stores: 250 });
  });
  afterAll(() => sim.close());

  it('reports no removals, keeps what it saw, and says it was incomplete', async () => {
    // Arrange: a baseline of 250 stores, then store 7 changes and store 240 disappears.
    const dspm = testClient(sim.url, { retry: { maxRetries: 1 } });
    const state = new MemoryStateStore();
    const sink = new RecordingSink();
    const ports = { dspm, state, sink, clock: systemClock, logger: new Capture(), tenant: TENANT };
    await pollDataStores(ports, DEFAULT_POLL_SETTINGS);
    sim.tenant.updateStore(7, { encryption: sim.tenant.getStore(7)?.encryption === 'On' ? 'Off' : 'On' });
    sim.tenant.removeStore(240);
    sim.faults.add({
      kind: 'status',
      status: 503,
      count: 5,
      match: { route: 'data_stores/connected', offset: 200 },
    });
    sink.clear();
    // Act
    const outcome = await pollDataStores(ports, DEFAULT_POLL_SETTINGS);
    // Assert
    expect(sink.details('data-store-removed')).toEqual([]);
    expect(sink.details('data-store-risk-changed')).toMatchObject([{ dataStore: { id: 7 } }]);
    expect(outcome).toMatchObject({
      status: 'completed',
      summary: { complete: false, incompleteReason: expect.stringMatching(/server error 503/) },
    });
    expect(outcome.status === 'completed' && outcome.error).toBeInstanceOf(Error);
    const stores = await state.loadStores(TENANT);
    expect(stores.get(240)).toMatchObject({ sequence: 0 });
    expect(stores.get(240)?.removedAt).toBeUndefined();
    expect(stores.get(7)).toMatchObject({ sequence: 1 });
  });
});
