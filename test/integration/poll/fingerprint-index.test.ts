/**
 * State reads that scale with change: a poll confirms an unchanged store by its entry in the
 * fingerprint index and reads (and writes) only the records of stores whose digest moved. The
 * events are the same as a poll that reads every record; the index survives a crash between a
 * commit and its entry, a lease taken over mid-write, and deployed state that has no index yet.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import type { BusEvent, PollCompletedDetail } from '#shared/events/contract.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS, type PollSettings } from '#shared/poll/poll-config.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { bucketOf } from '#shared/state/fingerprint-index.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { CommitOutcome, StoreRecord } from '#shared/state/records.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const STORES = 300;

/** A memory store that counts the records it is asked for and can fail the index write after a commit. */
class CountingState extends MemoryStateStore {
  recordsRead = 0;
  /** Walks of every committed record (the removal stage's, before the index vouched for itself). */
  recordWalks = 0;
  override async *streamStores(tenant: string): AsyncIterable<readonly StoreRecord[]> {
    this.recordWalks++;
    yield* super.streamStores(tenant);
  }
  /** Fails the first fingerprint write that follows a commit: a crash between the two. */
  crashAfterCommit = false;
  #committed = false;
  override async loadStoresById(tenant: string, ids: readonly number[]): Promise<Map<number, StoreRecord>> {
    this.recordsRead += ids.length;
    return super.loadStoresById(tenant, ids);
  }
  override async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options?: { baseline?: boolean },
  ): Promise<CommitOutcome> {
    this.#committed = records.length > 0;
    return super.commitStores(tenant, records, options);
  }
  override async writeFingerprintBucket(
    tenant: string,
    bucket: number,
    expectedVersion: number,
    entries: ReadonlyMap<number, string>,
  ): Promise<boolean> {
    if (this.crashAfterCommit && this.#committed) throw new Error('the process died after the commit');
    this.#committed = false;
    return super.writeFingerprintBucket(tenant, bucket, expectedVersion, entries);
  }
  /** Forgets the index, as deployed state written before it existed has none. */
  dropIndex(tenant: string): void {
    this.tenantState(tenant).fingerprints = undefined;
  }
  entries(tenant: string, storeId: number): string | undefined {
    return this.tenantState(tenant).fingerprints?.get(bucketOf(storeId))?.entries.get(storeId);
  }
}

/** The same store without an index: every record read, as before the index existed. */
function unindexed(): MemoryStateStore {
  return Object.assign(new MemoryStateStore(), { readFingerprintBuckets: undefined });
}

const storeEventIds = (events: readonly BusEvent[]) =>
  events
    .filter((event) => event.storeId !== undefined)
    .map((event) => `${event.detailType} ${(event.detail as { eventId: string }).eventId}`)
    .sort();

describe('a poll through the fingerprint index', () => {
  let sim: RunningSimulator;
  let tenant: string;
  beforeAll(async () => {
    sim = await startSimulator({ stores: STORES, seed: 24 });
    tenant = new URL(sim.url).host;
  });
  beforeEach(() => sim.tenant.reset());
  afterAll(() => sim.close());

  const pollWith = async (state: MemoryStateStore, settings: Partial<PollSettings> = {}) => {
    const sink = new RecordingSink();
    const outcome = await pollDataStores(
      { dspm: testClient(sim.url), state, sink, clock: systemClock, logger: new Capture(), tenant },
      { ...DEFAULT_POLL_SETTINGS, ...settings },
    );
    return { sink, summary: (outcome as { summary: PollCompletedDetail }).summary };
  };
  const someStores = (count: number, from = 0) =>
    sim.tenant
      .listStores()
      .slice(from)
      .filter((_, index) => index % 37 === 0)
      .slice(0, count)
      .map((store) => store.id);

  it('reads no record to confirm an unchanged tenant, and only the changed stores when some moved', async () => {
    const state = new CountingState();
    await pollWith(state); // the baseline builds the index as it commits

    state.recordsRead = 0;
    const quiet = await pollWith(state);
    expect(quiet.summary.stores).toMatchObject({ seen: STORES, unchanged: STORES, changed: 0 });
    expect(state.recordsRead).toBe(0);

    const changed = someStores(4);
    for (const id of changed) sim.tenant.updateStore(id, { total_alert_count: 9_000 + id });
    state.recordsRead = 0;
    const next = await pollWith(state);
    expect(state.recordsRead).toBe(changed.length);
    expect(next.sink.details('data-store-risk-changed').length).toBe(changed.length);
    expect(next.summary.stores).toMatchObject({
      changed: changed.length,
      unchanged: STORES - changed.length,
    });
  });

  it('publishes exactly what a poll reading every record publishes, through changes, renames, settings and removals', async () => {
    const indexed = new CountingState();
    const plain = unindexed();
    const both = async (settings: Partial<PollSettings> = {}) => {
      const [a, b] = [await pollWith(indexed, settings), await pollWith(plain, settings)];
      expect(storeEventIds(a.sink.events)).toEqual(storeEventIds(b.sink.events));
      expect(a.summary.stores).toEqual(b.summary.stores);
      return a.sink.events.filter((event) => event.storeId !== undefined).length;
    };
    await both();
    expect(await both()).toBe(0);
    for (const id of someStores(3)) sim.tenant.updateStore(id, { data_store_risk_rating: 99 });
    const [renamed] = someStores(1, 5);
    sim.tenant.updateStore(renamed as number, { name: 'renamed-store' });
    expect(await both()).toBeGreaterThanOrEqual(3);
    // Tighter bands move findings of stores whose fields did not move: they must be read again.
    const tighter = { low: 1, medium: 2, high: 3 };
    expect(await both({ bands: tighter })).toBeGreaterThan(0);
    expect(await both({ bands: tighter })).toBe(0);
    // Fewer watched fields: records adopt the new set quietly.
    const fewer = DEFAULT_POLL_SETTINGS.watchedFields.filter((field) => field !== 'total_alert_count');
    await both({ bands: tighter, watchedFields: fewer });
    expect(await both({ bands: tighter, watchedFields: fewer })).toBe(0);
    for (const id of someStores(2, 100)) sim.tenant.removeStore(id);
    sim.tenant.addStore({ data_store_risk_rating: 80 });
    expect(await both({ bands: tighter, watchedFields: fewer })).toBeGreaterThanOrEqual(3);
    expect(await both({ bands: tighter, watchedFields: fewer })).toBe(0);
  });

  it('finds a change again when the process died between committing a store and setting its entry', async () => {
    const state = new CountingState();
    await pollWith(state);
    const [id] = someStores(1) as [number];
    const before = sim.tenant.getStore(id)?.total_alert_count;
    sim.tenant.updateStore(id, { total_alert_count: 4_242 });
    state.crashAfterCommit = true;
    await expect(pollWith(state)).rejects.toThrow('the process died after the commit');
    state.crashAfterCommit = false;

    // The store goes back to what it was before: its old entry must not confirm it unchanged.
    sim.tenant.updateStore(id, { total_alert_count: before ?? 0 });
    const { sink } = await pollWith(state);
    const changes = sink.details<{ dataStore: { id: number } }>('data-store-risk-changed');
    expect(changes.map((change) => change.dataStore.id)).toEqual([id]);
  });

  it('finds removals by walking the index once a walk of the records vouched for it, and walks the records again after a day', async () => {
    const state = new CountingState();
    await pollWith(state); // the baseline: one walk of the records counts the dashboard's gauges
    await pollWith(state); // walks the records for removals and vouches for the index
    expect(state.recordWalks).toBe(2);
    const gone = someStores(3, 20);
    for (const id of gone) sim.tenant.removeStore(id);
    state.recordsRead = 0;

    const { sink, summary } = await pollWith(state);

    expect(state.recordWalks).toBe(2);
    expect(state.recordsRead).toBe(gone.length);
    const removed = sink.details<{ dataStore: { id: number } }>('data-store-removed');
    expect(removed.map((event) => event.dataStore.id).sort((a, b) => a - b)).toEqual(
      [...gone].sort((a, b) => a - b),
    );
    expect(summary.stores).toMatchObject({ removed: gone.length, seen: STORES - gone.length });
    // A day later the records are walked again.
    const meta = await state.loadMeta(tenant);
    if (!meta?.indexVouchedAt)
      throw new Error('the walk of the records vouched for the index in the tenant facts');
    await state.saveMeta(tenant, {
      ...meta,
      indexVouchedAt: new Date(Date.now() - 25 * 3600_000).toISOString(),
    });
    await pollWith(state);
    expect(state.recordWalks).toBe(3);
  });

  it('takes the entry of a removed store out of the index with its tombstone', async () => {
    const state = new CountingState();
    await pollWith(state);
    const [gone] = someStores(1, 50) as [number];
    expect(state.entries(tenant, gone)).toBeDefined();
    sim.tenant.removeStore(gone);
    const { sink } = await pollWith(state);
    expect(sink.details('data-store-removed').length).toBe(1);
    expect(state.entries(tenant, gone)).toBeUndefined();
  });

  it('builds the index on the first poll over state that has none, announcing nothing', async () => {
    const state = new CountingState();
    await pollWith(state);
    state.dropIndex(tenant);

    state.recordsRead = 0;
    const first = await pollWith(state);
    expect(state.recordsRead).toBe(STORES);
    expect(first.sink.events.filter((event) => event.storeId !== undefined)).toEqual([]);

    state.recordsRead = 0;
    await pollWith(state);
    expect(state.recordsRead).toBe(0);
  });
});

describe('a poll through the fingerprint index in DynamoDB (moto)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ stores: 150, seed: 7 });
  });
  afterAll(() => sim.close());

  it('reads no store item on an unchanged poll once the index is vouched for, and the changed store alone after a change', async () => {
    const clients = motoClients(inject('motoEndpoint'));
    const tableName = uniqueName('fingerprint-poll');
    await createStateTable(clients.dynamoDb, tableName);
    const client = DynamoDBDocumentClient.from(clients.dynamoDb);
    const keysAsked: string[] = [];
    const prefixesQueried: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as {
          RequestItems?: Record<string, { Keys?: { sk: string }[] }>;
          ExpressionAttributeValues?: Record<string, unknown>;
        };
        for (const request of Object.values(input.RequestItems ?? {}))
          for (const key of request.Keys ?? []) keysAsked.push(key.sk);
        const prefix = input.ExpressionAttributeValues?.[':prefix'];
        if (typeof prefix === 'string') prefixesQueried.push(prefix);
        return next(args);
      },
      { step: 'initialize', name: 'countBatchGetKeys' },
    );
    const state = new DynamoDbStateStore({ client, tableName });
    const tenant = new URL(sim.url).host;
    const poll = () =>
      pollDataStores(
        {
          dspm: testClient(sim.url),
          state,
          sink: new RecordingSink(),
          clock: systemClock,
          logger: new Capture(),
          tenant,
        },
        DEFAULT_POLL_SETTINGS,
      );
    await poll(); // the baseline
    await poll(); // walks the records for removals, then vouches for the index

    keysAsked.length = 0;
    prefixesQueried.length = 0;
    await poll();
    expect(keysAsked.filter((key) => key.startsWith('store#'))).toEqual([]);
    expect(prefixesQueried).toEqual(['fpx#']);
    // 150 stores with ids from 1: two buckets of 128.
    expect(keysAsked.filter((key) => key.startsWith('fpx#')).length).toBe(2);

    const [changed] = sim.tenant.listStores();
    sim.tenant.updateStore(changed?.id ?? 0, { total_alert_count: 77 });
    keysAsked.length = 0;
    await poll();
    expect(keysAsked.filter((key) => key.startsWith('store#'))).toEqual([
      `store#${String(changed?.id).padStart(12, '0')}`,
    ]);
  });
});
