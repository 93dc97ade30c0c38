/**
 * A poll streams: it reads a page's committed records by id, publishes the page's events, then
 * commits the page's stores, before it asks for the next page; removals come from the ids the
 * pass saw against the committed state read as a stream. It never loads the whole state.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import type { BusEvent, PollCompletedDetail } from '#shared/events/contract.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

/** Four pages of 100, the last one short. */
const eventIdOf = (event: BusEvent) => (event.detail as { eventId: string }).eventId;

const STORES = 350;

/** A memory store that refuses the whole-state read and remembers the size of each read by id. */
class StreamingOnlyState extends MemoryStateStore {
  readonly idsPerRead: number[] = [];
  override async loadStores(): Promise<Map<number, StoreRecord>> {
    throw new Error('a streaming poll must not load the whole state');
  }
  override async loadStoresById(tenant: string, ids: readonly number[]): Promise<Map<number, StoreRecord>> {
    this.idsPerRead.push(ids.length);
    return super.loadStoresById(tenant, ids);
  }
  /** The committed sequence of every store, read the way a test may (the parent's whole map). */
  sequences(tenant: string): Map<number, number> {
    const stores = this.tenantState(tenant).stores;
    return new Map([...stores].map(([id, record]) => [id, record.sequence]));
  }
}

/** A sink that, at each publish, records which of the offered stores were already committed past 0. */
class CommitObservingSink extends RecordingSink {
  readonly committedAtPublish: { offered: number[]; alreadyCommitted: number[]; committedSoFar: number }[] =
    [];
  readonly #state: StreamingOnlyState;
  readonly #tenant: string;
  constructor(state: StreamingOnlyState, tenant: string) {
    super();
    this.#state = state;
    this.#tenant = tenant;
  }
  override async publish(events: readonly BusEvent[]) {
    const sequences = this.#state.sequences(this.#tenant);
    const offered = events.flatMap((event) => (event.storeId === undefined ? [] : [event.storeId]));
    this.committedAtPublish.push({
      offered,
      alreadyCommitted: offered.filter((id) => (sequences.get(id) ?? 0) > 0),
      committedSoFar: [...sequences.values()].filter((sequence) => sequence > 0).length,
    });
    return super.publish(events);
  }
}

describe('a streaming poll', () => {
  let sim: RunningSimulator;
  let state: StreamingOnlyState;
  let sink: CommitObservingSink;
  let tenant: string;
  const logger = new Capture();
  const poll = () =>
    pollDataStores(
      { dspm: testClient(sim.url), state, sink, clock: systemClock, logger, tenant },
      DEFAULT_POLL_SETTINGS,
    );

  beforeAll(async () => {
    sim = await startSimulator({ stores: STORES, seed: 15 });
    tenant = new URL(sim.url).host;
  });
  beforeEach(async () => {
    sim.tenant.reset();
    state = new StreamingOnlyState();
    sink = new CommitObservingSink(state, tenant);
    await poll(); // the baseline
    sink.clear();
    sink.committedAtPublish.length = 0;
    state.idsPerRead.length = 0;
  });
  afterAll(() => sim.close());

  const changeEveryStore = () => {
    for (const store of sim.tenant.listStores())
      sim.tenant.updateStore(store.id, { data_store_risk_rating: (store.data_store_risk_rating + 50) % 100 });
  };

  it('commits each page after its events are accepted and before the next page is published', async () => {
    changeEveryStore();

    const outcome = await poll();

    const pages = sink.committedAtPublish.filter((publish) => publish.offered.length > 0);
    expect(pages.length).toBe(Math.ceil(STORES / 100));
    pages.forEach((page, index) => {
      // No store of a page is committed before its event was published...
      expect(page.alreadyCommitted).toEqual([]);
      // ...and every earlier page was committed before this one was published.
      expect(page.committedSoFar).toBe(index * 100);
    });
    expect([...state.sequences(tenant).values()].every((sequence) => sequence === 1)).toBe(true);
    expect(outcome).toMatchObject({
      status: 'completed',
      summary: { complete: true, stores: { changed: STORES } },
    });
  });

  it('reads committed records one page of ids at a time, never the whole state', async () => {
    changeEveryStore();
    await poll();
    expect(state.idsPerRead.length).toBe(Math.ceil(STORES / 100));
    expect(Math.max(...state.idsPerRead)).toBe(100);
    expect(state.idsPerRead.reduce((sum, ids) => sum + ids, 0)).toBe(STORES);
  });

  it('keeps a rejected page uncommitted while the others commit, and re-sends its eventIds next poll', async () => {
    changeEveryStore();
    const secondPage = new Set(
      sim.tenant
        .listStores()
        .slice(100, 200)
        .map((store) => store.id),
    );
    sink.reject = (event) => event.storeId !== undefined && secondPage.has(event.storeId);

    await poll();
    const rejected = sink.attempted.filter(
      (event) => event.storeId !== undefined && secondPage.has(event.storeId),
    );
    const sequences = state.sequences(tenant);
    for (const [id, sequence] of sequences) expect(sequence).toBe(secondPage.has(id) ? 0 : 1);

    sink.reject = () => false;
    sink.clear();
    await poll();
    expect(
      sink.events
        .filter((event) => event.storeId !== undefined)
        .map(eventIdOf)
        .sort(),
    ).toEqual(rejected.map(eventIdOf).sort());
  });

  it('removes the stores a complete pass did not see, wherever they were in the listing', async () => {
    const gone = [sim.tenant.listStores()[3], sim.tenant.listStores()[180], sim.tenant.listStores()[349]].map(
      (store) => store?.id ?? -1,
    );
    for (const id of gone) sim.tenant.removeStore(id);

    const outcome = await poll();

    const removed = sink.events.filter((event) => event.detailType === 'data-store-removed');
    expect(removed.map((event) => event.storeId).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      [...gone].sort((a, b) => a - b),
    );
    expect((outcome as { summary: PollCompletedDetail }).summary.stores).toMatchObject({
      seen: STORES - 3,
      removed: 3,
    });
    const tombstones = await state.loadStoresById(tenant, gone);
    expect([...tombstones.values()].every((record) => record.removedAt !== undefined)).toBe(true);

    // A second pass announces nothing again: the tombstones are not removed twice.
    sink.clear();
    await poll();
    expect(sink.events.filter((event) => event.detailType === 'data-store-removed')).toEqual([]);
  });
});
