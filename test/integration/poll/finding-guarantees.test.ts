/**
 * The finding guarantees through the real poll use case, the simulator playing the tenant: a store
 * commits only when every one of its events was accepted, a retry re-sends the same eventIds, an
 * incomplete listing resolves nothing, a complete one resolves a removed store's findings.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import type { FindingDetail, PollCompletedDetail } from '#shared/events/contract.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS, type PollSettings } from '#shared/poll/poll-config.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TENANT = 'findings.goskope.com';

describe('finding guarantees of a poll', () => {
  let sim: RunningSimulator;
  let state: MemoryStateStore;
  let sink: RecordingSink;
  const poll = (settings: Partial<PollSettings> = {}) =>
    pollDataStores(
      {
        dspm: testClient(sim.url, { retry: { maxRetries: 1 } }),
        state,
        sink,
        clock: systemClock,
        logger: new Capture(),
        tenant: TENANT,
      },
      { ...DEFAULT_POLL_SETTINGS, ...settings },
    );
  const opened = () => sink.details<FindingDetail>('data-store-finding-opened');
  const resolved = () => sink.details<FindingDetail>('data-store-finding-resolved');

  beforeAll(async () => {
    sim = await startSimulator({ stores: 250 });
  });
  beforeEach(async () => {
    sim.tenant.reset();
    sim.faults.clear();
    state = new MemoryStateStore();
    sink = new RecordingSink();
    await poll(); // the baseline
    sink.clear();
  });
  afterAll(() => sim.close());

  it('opens baseline findings on the first poll, every one marked baseline, and none again', async () => {
    // Arrange: a fresh tenant.
    state = new MemoryStateStore();
    // Act
    await poll();
    const first = opened();
    sink.clear();
    await poll();
    // Assert
    expect(first.length).toBeGreaterThan(0);
    expect(
      first.every((detail) => detail.baseline && detail.occurrence === 1 && detail.pollId !== null),
    ).toBe(true);
    expect(sink.events.map((event) => event.detailType)).toEqual(['dspm-poll-completed']);
  });

  it('commits none of a store when one of its events is refused, then re-sends the same eventIds', async () => {
    // Arrange: store 7 becomes public; its finding event is refused, its risk-changed accepted.
    sim.tenant.updateStore(7, { publicly_inaccessible: 'Off', data_store_risk_rating: 10 });
    const before = (await state.loadStores(TENANT)).get(7);
    sink.reject = (event) => event.detailType === 'data-store-finding-opened';
    // Act
    const outcome = await poll();
    const refusedIds = sink.attempted
      .filter((e) => e.storeId === 7)
      .map((e) => (e.detail as { eventId: string }).eventId);
    const afterRefusal = (await state.loadStores(TENANT)).get(7);
    sink.reject = () => false;
    sink.clear();
    await poll();
    // Assert: nothing of store 7 moved, though its risk-changed was accepted; the retry re-sends both.
    expect(outcome.status === 'completed' && outcome.summary.stores.uncommitted).toBe(1);
    expect(afterRefusal).toEqual(before);
    const retriedIds = sink.events
      .filter((e) => e.storeId === 7)
      .map((e) => (e.detail as { eventId: string }).eventId);
    expect(retriedIds).toEqual(refusedIds);
    expect((await state.loadStores(TENANT)).get(7)?.findings?.['public-access']).toMatchObject({
      status: 'open',
      occurrence: 1,
      baseline: false,
    });
  });

  it('keeps a silent baseline store whose findings were refused, and opens them next poll as baseline', async () => {
    // Arrange: a fresh tenant whose finding events are all refused once.
    state = new MemoryStateStore();
    sink.reject = (event) => event.detailType === 'data-store-finding-opened';
    await poll();
    const refused = sink.attempted.map((e) => (e.detail as { eventId: string }).eventId).slice(0, -1);
    sink.reject = () => false;
    sink.clear();
    // Act
    await poll();
    // Assert: no store is "discovered"; the same findings open, still baseline, with the same ids.
    expect(sink.details('data-store-discovered')).toEqual([]);
    expect(opened().map((detail) => detail.eventId)).toEqual(refused);
    expect(opened().every((detail) => detail.baseline)).toBe(true);
  });

  it('resolves nothing when the listing is incomplete, even for stores it did not see', async () => {
    // Arrange: store 240 holds an open finding, then disappears while the listing breaks off.
    sim.tenant.updateStore(240, { encryption: 'Off' });
    await poll();
    sim.tenant.removeStore(240);
    sim.faults.add({
      kind: 'status',
      status: 503,
      count: 5,
      match: { route: 'data_stores/connected', offset: 200 },
    });
    sink.clear();
    // Act
    const outcome = await poll();
    // Assert
    expect(outcome.status === 'completed' && outcome.summary.complete).toBe(false);
    expect(resolved()).toEqual([]);
    expect((await state.loadStores(TENANT)).get(240)?.findings?.['encryption-off']).toMatchObject({
      status: 'open',
    });
  });

  it('resolves the open findings of a store a complete listing no longer holds, beside data-store-removed', async () => {
    // Arrange
    sim.tenant.updateStore(12, { encryption: 'Off', backup: 'Off' });
    await poll();
    sim.tenant.removeStore(12);
    sink.clear();
    // Act
    await poll();
    // Assert
    expect(sink.events.filter((e) => e.storeId === 12).map((e) => e.detailType)).toEqual([
      'data-store-removed',
      ...resolved().map(() => 'data-store-finding-resolved'),
    ]);
    expect(resolved().map((detail) => [detail.condition, detail.resolution])).toEqual(
      expect.arrayContaining([
        ['encryption-off', 'store-removed'],
        ['backup-off', 'store-removed'],
      ]),
    );
    expect(sink.details<PollCompletedDetail>('dspm-poll-completed')[0]?.stores.removed).toBe(1);
  });

  it('re-opens a resolved finding as a new occurrence with a new correlationId', async () => {
    // Arrange: open, resolve, open again.
    sim.tenant.updateStore(3, { backup: 'Off' });
    await poll();
    sim.tenant.updateStore(3, { backup: 'On' });
    await poll();
    sim.tenant.updateStore(3, { backup: 'Off' });
    sink.clear();
    // Act
    await poll();
    // Assert
    const [again] = opened().filter((detail) => detail.condition === 'backup-off');
    expect(again).toMatchObject({
      occurrence: 2,
      sequence: 3,
      correlationId: `${TENANT}/data-store/3/finding/backup-off/2`,
      baseline: false,
    });
  });

  it('says nothing of a condition whose field turns unknown, and nothing of one turned off', async () => {
    // Arrange: store 5 is public; then DSPM stops computing its rating and the field goes missing.
    sim.tenant.updateStore(5, { publicly_inaccessible: 'Off', data_store_risk_rating: 90 });
    await poll();
    sim.tenant.updateStore(5, { data_store_risk_rating: -1 });
    sink.clear();
    // Act
    await poll();
    const afterUnknown = [...opened(), ...resolved()];
    sink.clear();
    sim.tenant.updateStore(5, { publicly_inaccessible: 'On' });
    await poll({ findings: { ...DEFAULT_POLL_SETTINGS.findings, 'public-access': 'off' } });
    // Assert
    expect(afterUnknown).toEqual([]);
    expect(resolved()).toEqual([]);
    expect((await state.loadStores(TENANT)).get(5)?.findings).toMatchObject({
      'high-risk': { status: 'open', severity: 'critical' },
      'public-access': { status: 'open' },
    });
  });
});
