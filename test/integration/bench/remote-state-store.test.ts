/**
 * The benchmarks' out-of-process state (bench/lib/state-server.ts, bench/lib/remote-state-store.ts):
 * the `SnapshotStore` port over loopback HTTP keeps the memory store's rules, carries Maps, Dates
 * and Sets as they are, counts each client's own writes, and a poll through it commits what a
 * poll through an in-process store commits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import type { PollCheckpoint } from '#shared/poll/poll-checkpoint.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { IdSet } from '#shared/state/id-set.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { RemoteStateError, RemoteStateStore } from '../../../bench/lib/remote-state-store.ts';
import { type StateServer, startStateServer } from '../../../bench/lib/state-server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TENANT = 'acme.goskope.com';
/** The ids of a checkpoint as far as a chunk of a large poll gets. */
const SEEN = Array.from({ length: 200_000 }, (_, i) => i * 3 + 1);

function record(storeId: number, sequence = 0): StoreRecord {
  return {
    storeId,
    identity: {
      name: `store-${storeId}`,
      endpoint: `db-${storeId}.example`,
      serviceId: 1,
      connectionId: 2,
      region: null,
      accountId: null,
    },
    snapshot: { encryption: 'On' },
    fingerprint: `fp-${storeId}`,
    sequence,
    observedAt: '2026-12-01T12:00:00.000Z',
  };
}

describe('the state store of the benchmarks, in a process of its own', () => {
  let server: StateServer;
  const clients: RemoteStateStore[] = [];
  const client = () => {
    const store = new RemoteStateStore(server.url);
    clients.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startStateServer();
  });
  afterAll(async () => {
    for (const store of clients) store.close();
    await server.close();
  });

  it('keeps the lease rules: one holder at a time, renewed and released only by it', async () => {
    // Arrange
    const [a, b] = [client(), client()];
    const now = new Date('2026-12-01T12:00:00Z');
    // Act / Assert
    expect(await a.tryAcquireLease('lease.example', 'run-a', now, 60_000)).toBe(true);
    expect(await b.tryAcquireLease('lease.example', 'run-b', now, 60_000)).toBe(false);
    expect(await b.renewLease('lease.example', 'run-b', now, 60_000)).toBe(false);
    expect(await a.tryAcquireLease('lease.example', 'run-a', now, 60_000)).toBe(true);
    await b.releaseLease('lease.example', 'run-b');
    expect(await b.tryAcquireLease('lease.example', 'run-b', now, 60_000)).toBe(false);
    await a.releaseLease('lease.example', 'run-a');
    expect(await b.tryAcquireLease('lease.example', 'run-b', now, 60_000)).toBe(true);
  });

  it('answers reads by id as a Map and the meta as it was saved', async () => {
    const state = client();
    await state.commitStores(TENANT, [record(1), record(2), record(3)], { baseline: true });
    const meta = {
      baselineAt: '2026-12-01T12:00:00.000Z',
      lastPollId: 'p1',
      lastPollAt: '2026-12-01T12:00:05.000Z',
    };
    await state.saveMeta(TENANT, meta);

    const found = await state.loadStoresById(TENANT, [3, 1, 99]);

    expect(found).toBeInstanceOf(Map);
    expect([...found.keys()]).toEqual([3, 1]);
    expect(found.get(1)).toEqual(record(1));
    expect(await state.loadMeta(TENANT)).toEqual(meta);
    expect(await state.loadMeta('never-polled.example')).toBeUndefined();
  });

  it('commits in slices and still reports every stale store of the whole call', async () => {
    const state = client();
    const tenant = 'slices.example';
    await state.commitStores(
      tenant,
      Array.from({ length: 2_500 }, (_, i) => record(i + 1, 2)),
      { baseline: true },
    );
    const written = state.itemsWritten;

    // Every 1000th store carries an older sequence than the committed one: refused as stale.
    const outcome = await state.commitStores(
      tenant,
      Array.from({ length: 2_500 }, (_, i) => record(i + 1, (i + 1) % 1000 === 0 ? 1 : 3)),
    );

    expect(outcome).toEqual({ committed: 2_498, stale: [1000, 2000] });
    expect(state.itemsWritten - written).toBe(2_498);
  });

  it('streams every record in batches, and a walk stopped early frees its cursor', async () => {
    const state = client();
    const tenant = 'stream.example';
    await state.commitStores(
      tenant,
      Array.from({ length: 2_345 }, (_, i) => record(i + 1)),
      { baseline: true },
    );

    const sizes: number[] = [];
    for await (const batch of state.streamStores(tenant)) sizes.push(batch.length);
    // More walks stopped after one batch than the server keeps cursors for (256).
    for (let walk = 0; walk < 260; walk++) {
      for await (const _batch of state.streamStores(tenant)) break;
    }
    let again = 0;
    for await (const batch of state.streamStores(tenant)) again += batch.length;

    expect(sizes).toEqual([1000, 1000, 345]);
    expect(again).toBe(2_345);
  });

  it('counts the items each client wrote, as each DynamoDB store instance counts its own', async () => {
    const [a, b] = [client(), client()];
    const before = server.store.itemsWritten;

    await Promise.all([
      a.commitStores('count-a.example', [record(1), record(2)], { baseline: true }),
      b.commitStores('count-b.example', [record(1)], { baseline: true }),
      a.saveMeta('count-a.example', { baselineAt: 'x', lastPollId: 'p', lastPollAt: 'x' }),
    ]);

    expect(a.itemsWritten).toBe(3);
    expect(b.itemsWritten).toBe(1);
    expect(server.store.itemsWritten - before).toBe(4);
  });

  it('leaves the same committed state after a poll of the simulator as an in-process memory store', async () => {
    // Arrange: one simulator, one poll through the wire and one through a memory store.
    const sim: RunningSimulator = await startSimulator({ stores: 250, seed: 15 });
    try {
      const poll = (state: RemoteStateStore | MemoryStateStore, tenant: string) =>
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
      const remote = client();
      // The remote store keeps no fingerprint index (every page reads its records): the memory
      // store it is compared with hides its index, so both take the same path and write the same items.
      const local = new MemoryStateStore();
      Object.defineProperty(local, 'readFingerprintBuckets', { value: undefined });
      await poll(remote, 'poll.example');
      await poll(local, 'poll.example');
      for (const store of sim.tenant.listStores().slice(0, 30))
        sim.tenant.updateStore(store.id, { encryption: store.encryption === 'On' ? 'Off' : 'On' });
      sim.tenant.removeStore(250);

      // Act
      const [overWire, inProcess] = [await poll(remote, 'poll.example'), await poll(local, 'poll.example')];

      // Assert: same outcome, same records (less the times they carry), same writes.
      const shape = (records: Map<number, StoreRecord>) =>
        JSON.parse(
          JSON.stringify([...records.values()]).replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"(time)"'),
        ) as unknown;
      expect(overWire.status === 'completed' && overWire.summary.stores).toEqual(
        inProcess.status === 'completed' && inProcess.summary.stores,
      );
      expect(overWire.status === 'completed' && overWire.summary.stores).toMatchObject({
        changed: 30,
        removed: 1,
      });
      expect(shape(await remote.loadStores('poll.example'))).toEqual(
        shape(await local.loadStores('poll.example')),
      );
      expect(remote.itemsWritten).toBe(local.itemsWritten);
    } finally {
      await sim.close();
    }
  });

  it('keeps a checkpoint packed on the wire: seen ids whole, never replaced by an older one, cleared by its poll only', async () => {
    // Arrange: a checkpoint of 200,000 seen ids, as far as a chunk of a large poll gets.
    const state = client();
    const tenant = 'checkpoint.example';
    const checkpoint = (chunk: number, pollId = 'poll-1'): PollCheckpoint => ({
      pollId,
      startedAt: '2026-12-01T12:00:00.000Z',
      chunk,
      baseline: false,
      listing: {
        state: 'listing',
        nextOffset: chunk * 1000,
        total: 300_000,
        pages: chunk * 10,
        duplicates: 0,
        complete: false,
        stalledChunks: 0,
      },
      seen: IdSet.from(SEEN),
      totals: {
        counts: { seen: 200_000, discovered: 0, changed: 5, removed: 0, unchanged: 199_995 },
        events: 5,
        failed: 0,
        refusedStores: 0,
        stale: 0,
      },
      dspm: { requests: 20, retries: 0, throttled: 0 },
    });

    // Act
    const saved = await state.saveCheckpoint(tenant, checkpoint(2));
    const older = await state.saveCheckpoint(tenant, checkpoint(1));
    const other = await state.saveCheckpoint(tenant, checkpoint(3, 'poll-2'));
    const loaded = await state.loadCheckpoint(tenant);
    await state.clearCheckpoint(tenant, 'poll-2');
    const afterOtherClear = await state.loadCheckpoint(tenant);
    await state.clearCheckpoint(tenant, 'poll-1');

    // Assert
    expect([saved, older, other]).toEqual([true, false, false]);
    const { seen, ...rest } = loaded ?? checkpoint(0, 'none');
    const { seen: _sent, ...sent } = checkpoint(2);
    expect(rest).toEqual(sent);
    expect([...seen]).toEqual(SEEN);
    expect(afterOtherClear?.pollId).toBe('poll-1');
    expect(await state.loadCheckpoint(tenant)).toBeUndefined();
  });

  it('names the call and the address when the state process is not there', async () => {
    const gone = await startStateServer();
    await gone.close();
    const state = new RemoteStateStore(gone.url);
    clients.push(state);

    const error = await state.loadMeta(TENANT).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RemoteStateError);
    expect((error as RemoteStateError).message).toMatch(
      /^state process, loadMeta: no answer from http:\/\/127\.0\.0\.1:\d+ .*is it running\?$/,
    );
  });
});
