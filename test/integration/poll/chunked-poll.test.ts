/**
 * A poll in chunks keeps every guarantee of a poll in one go: the same committed state and the
 * same eventIds, removals only after a complete pass (a `total` that moves between chunks makes
 * it incomplete), a chunk that dies before its checkpoint is redone without a second eventId, a
 * run that takes the lease over continues the same poll, and a checkpoint never moves backwards.
 * Real simulator on loopback, real client; state in memory and in DynamoDB (moto).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type Clock, systemClock } from '#shared/clock.ts';
import type { BusEvent, PollCompletedDetail } from '#shared/events/contract.ts';
import { finishPoll, PollListingFailedError, PollNotListedError } from '#shared/poll/finish-poll.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { MAX_POLL_AGE_MS, MAX_STALLED_CHUNKS } from '#shared/poll/incomplete-reason.ts';
import type { PollCheckpoint } from '#shared/poll/poll-checkpoint.ts';
import { pollChunk } from '#shared/poll/poll-chunk.ts';
import { DEFAULT_POLL_SETTINGS, type PollSettings } from '#shared/poll/poll-config.ts';
import type { PollPorts } from '#shared/poll/poll-ports.ts';
import type { ChunkOutcome, FinishOutcome } from '#shared/poll/poll-run.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { LeaseLostError } from '#shared/state/lease.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import type { StateStore } from '#shared/state/state-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

/** Eight pages of 100. */
const STORES = 800;
const SETTINGS: PollSettings = DEFAULT_POLL_SETTINGS;
/** A stop time already past: every chunk lists one page, commits it and checkpoints. */
const ONE_PAGE = { stopAtMs: 0 };

const eventIdOf = (event: BusEvent) => (event.detail as { eventId: string }).eventId;
const storeEvents = (sink: RecordingSink) =>
  sink.events.filter((e) => e.detailType !== 'dspm-poll-completed');
const summaryOf = (sink: RecordingSink) => sink.details<PollCompletedDetail>('dspm-poll-completed').at(-1);

/** Drives a run the way the workflow does: chunks while they say `more`, then the finish. */
async function runInChunks(
  ports: PollPorts,
  runId: string,
  options: { stopAtMs?: number; between?: (chunk: ChunkOutcome) => void } = ONE_PAGE,
): Promise<{ chunks: ChunkOutcome[]; finished: FinishOutcome }> {
  const chunks: ChunkOutcome[] = [];
  for (let i = 0; i < 100; i++) {
    const outcome = await pollChunk(ports, SETTINGS, { runId, stopAtMs: options.stopAtMs });
    chunks.push(outcome);
    options.between?.(outcome);
    if (outcome.status !== 'more') break;
  }
  return { chunks, finished: await finishPoll(ports, SETTINGS, { runId }) };
}

/** Committed records without the times the two runs observed them at. */
function comparable(records: Map<number, StoreRecord>) {
  return [...records.values()]
    .sort((a, b) => a.storeId - b.storeId)
    .map(({ observedAt: _o, firstSeenAt: _f, removedAt, findings, ...rest }) => ({
      removed: removedAt !== undefined,
      ...rest,
      findings: Object.fromEntries(
        Object.entries(findings ?? {}).map(([condition, finding]) => [
          condition,
          { ...finding, openedAt: undefined, resolvedAt: undefined, observedAt: undefined },
        ]),
      ),
    }));
}

let sim: RunningSimulator;
let tenant: string;
const logger = new Capture();

beforeAll(async () => {
  sim = await startSimulator({ stores: STORES, seed: 21 });
  tenant = new URL(sim.url).host;
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.tenant.reset();
  sim.faults.clear();
});

function portsOf(state: StateStore, sink: RecordingSink, clock: Clock = systemClock): PollPorts {
  return { dspm: testClient(sim.url, { pageSize: 100 }), state, sink, clock, logger, tenant };
}

/** Stores in five different pages, so several chunks carry events. */
const CHANGED = [3, 150, 333, 420, 777];

/** Changes in every other page, so several chunks carry events. */
function changeSomeStores(): void {
  for (const id of CHANGED) {
    const rating = sim.tenant.getStore(id)?.data_store_risk_rating;
    sim.tenant.updateStore(id, { data_store_risk_rating: rating === 99 ? 98 : 99 });
  }
}

describe.each([
  ['memory', async () => new MemoryStateStore()],
  [
    'DynamoDB (moto)',
    async () => {
      const clients = motoClients(inject('motoEndpoint'));
      const tableName = uniqueName('chunked-state');
      await createStateTable(clients.dynamoDb, tableName);
      return new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(clients.dynamoDb), tableName });
    },
  ],
] as const)('a poll in chunks, state in %s', (_name, createState) => {
  it('commits what a poll in one go commits, with the same eventIds, one chunk per page', async () => {
    const chunkedState = await createState();
    const wholeState = new MemoryStateStore();
    const chunkedSink = new RecordingSink();
    const wholeSink = new RecordingSink();

    // A baseline each way, some changes and a removal in DSPM, then a second poll each way.
    const baseline = await runInChunks(portsOf(chunkedState, chunkedSink), 'run-1');
    await pollDataStores(portsOf(wholeState, wholeSink), SETTINGS);
    expect(baseline.chunks.map((c) => c.status)).toEqual([...Array(7).fill('more'), 'listed']);
    expect(summaryOf(chunkedSink)).toMatchObject({
      baseline: true,
      complete: true,
      stores: { seen: STORES },
    });
    changeSomeStores();
    sim.tenant.removeStore(500);
    chunkedSink.clear();
    wholeSink.clear();
    const second = await runInChunks(portsOf(chunkedState, chunkedSink), 'run-2');
    await pollDataStores(portsOf(wholeState, wholeSink), SETTINGS);

    expect(second.finished).toMatchObject({ status: 'completed', summary: { complete: true } });
    expect(storeEvents(chunkedSink).map(eventIdOf).sort()).toEqual(
      storeEvents(wholeSink).map(eventIdOf).sort(),
    );
    expect(chunkedSink.details('data-store-removed')).toMatchObject([{ dataStore: { id: 500 } }]);
    expect(comparable(await chunkedState.loadStores(tenant))).toEqual(
      comparable(await wholeState.loadStores(tenant)),
    );
    // Every event of the poll carries its one pollId, whichever chunk published it.
    const pollIds = new Set(chunkedSink.events.map((e) => (e.detail as { pollId: string }).pollId));
    expect(pollIds).toEqual(new Set([second.chunks[0]?.status === 'more' ? second.chunks[0].pollId : '']));
    expect(summaryOf(chunkedSink)).toMatchObject({
      stores: { seen: STORES - 1, removed: 1 },
      dspm: { pages: 8 },
    });
    expect(await chunkedState.loadCheckpoint(tenant)).toBeUndefined();
  }, 120_000);

  it('keeps a first poll a silent baseline through every chunk, and records the tenant only at the finish', async () => {
    const state = await createState();
    const sink = new RecordingSink();
    const ports = portsOf(state, sink);
    for (let i = 0; i < 3; i++)
      expect((await pollChunk(ports, SETTINGS, { runId: 'run-1', ...ONE_PAGE })).status).toBe('more');
    // Between chunks: stores committed, the tenant not yet "polled".
    expect(await state.loadMeta(tenant)).toBeUndefined();
    expect((await state.loadStoresById(tenant, [1, 300, 301])).size).toBe(2);
    await runInChunks(ports, 'run-1');
    expect(sink.details('data-store-discovered')).toEqual([]);
    expect(await state.loadMeta(tenant)).toBeDefined();
    expect(summaryOf(sink)).toMatchObject({ baseline: true, complete: true, stores: { seen: STORES } });
  }, 120_000);
});

/** Memory state whose checkpoint of one chunk cannot be written, once (a table out of reach). */
class FlakyCheckpoints extends MemoryStateStore {
  failAtChunk: number | undefined;
  override async saveCheckpoint(tenant: string, checkpoint: PollCheckpoint): Promise<boolean> {
    if (checkpoint.chunk === this.failAtChunk) {
      this.failAtChunk = undefined;
      throw new Error('DynamoDB is unreachable (injected by the test)');
    }
    return super.saveCheckpoint(tenant, checkpoint);
  }
}

describe('a poll in chunks (memory state)', () => {
  let state: FlakyCheckpoints;
  let sink: RecordingSink;
  beforeEach(async () => {
    state = new FlakyCheckpoints();
    sink = new RecordingSink();
    await pollDataStores(portsOf(state, sink), SETTINGS);
    sink.clear();
  });

  it('reports no removal when the total moves between chunks, and the next complete pass does', async () => {
    const ports = portsOf(state, sink);
    const { chunks, finished } = await runInChunks(ports, 'run-1', {
      ...ONE_PAGE,
      // After the third chunk a store already listed goes away: later offsets shift by one.
      between: (chunk) => {
        if (chunk.status === 'more' && chunk.chunk === 3) sim.tenant.removeStore(42);
      },
    });
    expect(chunks.at(-1)).toMatchObject({ status: 'listed', complete: false });
    expect(finished).toMatchObject({
      status: 'completed',
      summary: { complete: false, stores: { removed: 0 } },
    });
    expect(summaryOf(sink)?.incompleteReason).toBe(
      `total changed from ${STORES} to ${STORES - 1} during the pass`,
    );
    expect(sink.details('data-store-removed')).toEqual([]);

    sink.clear();
    await runInChunks(ports, 'run-2');
    expect(sink.details('data-store-removed')).toMatchObject([{ dataStore: { id: 42 } }]);
  }, 120_000);

  it('redoes a chunk that died before its checkpoint without sending any eventId twice', async () => {
    changeSomeStores();
    // The fourth checkpoint cannot be written once: that chunk's page (store 333's) was
    // published and committed, and the retry lists it again.
    state.failAtChunk = 4;
    const ports = portsOf(state, sink);
    const chunks: ChunkOutcome[] = [];
    let failed = 0;
    for (let i = 0; i < 20; i++) {
      const outcome = await pollChunk(ports, SETTINGS, { runId: 'run-1', ...ONE_PAGE }).catch(
        (error: Error) => error,
      );
      if (outcome instanceof Error) {
        expect(outcome.message).toMatch(/unreachable/);
        failed++;
        continue;
      }
      chunks.push(outcome);
      if (outcome.status !== 'more') break;
    }
    await finishPoll(ports, SETTINGS, { runId: 'run-1' });
    expect(failed).toBe(1);
    expect(chunks).toHaveLength(8);

    const ids = storeEvents(sink).map(eventIdOf);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      sink
        .details('data-store-risk-changed')
        .map((d) => (d as { dataStore: { id: number } }).dataStore.id)
        .sort((a, b) => a - b),
    ).toEqual(CHANGED);
    expect(summaryOf(sink)).toMatchObject({ complete: true, stores: { seen: STORES } });
  }, 120_000);

  it('lets another run continue the poll once the first run is gone, and keeps the first out after', async () => {
    const ttl = 300;
    const settings = { ...SETTINGS, leaseTtlMs: ttl };
    const ports = portsOf(state, sink);
    const first = await pollChunk(ports, settings, { runId: 'run-a', ...ONE_PAGE });
    // run-a is between chunks: its lease is still held, so run-b waits.
    expect(await pollChunk(ports, settings, { runId: 'run-b', ...ONE_PAGE })).toMatchObject({
      status: 'skipped',
    });
    await new Promise((resolve) => setTimeout(resolve, ttl + 100));
    // run-a died; run-b takes the lease and goes on with run-a's poll.
    const taken = await pollChunk(ports, settings, { runId: 'run-b', ...ONE_PAGE });
    expect(taken).toMatchObject({
      status: 'more',
      chunk: 2,
      pollId: first.status === 'more' ? first.pollId : '',
    });
    expect(await pollChunk(ports, settings, { runId: 'run-a', ...ONE_PAGE })).toMatchObject({
      status: 'skipped',
    });
    const rest = await runInChunks(ports, 'run-b');
    expect(rest.finished).toMatchObject({
      status: 'completed',
      pollId: taken.status === 'more' ? taken.pollId : '',
    });
    expect(summaryOf(sink)).toMatchObject({ complete: true, stores: { seen: STORES } });
  }, 120_000);

  it('refuses to write a checkpoint over one another run advanced meanwhile', async () => {
    const ports = portsOf(state, sink);
    await pollChunk(ports, SETTINGS, { runId: 'run-a', ...ONE_PAGE });
    const before = await state.loadCheckpoint(tenant);
    if (!before) throw new Error('the first chunk left a checkpoint');
    // While run-a lists its next page, a run that took the poll over checkpoints that chunk first.
    const overtaking = Object.assign(new RecordingSink(), {
      async publish(events: readonly BusEvent[]) {
        if ((await state.loadCheckpoint(tenant))?.chunk === before.chunk)
          await state.saveCheckpoint(tenant, {
            ...before,
            chunk: before.chunk + 1,
            seen: new Set([...before.seen, 99_999]),
          });
        return sink.publish(events);
      },
    });
    await expect(
      pollChunk({ ...ports, sink: overtaking }, SETTINGS, { runId: 'run-a', ...ONE_PAGE }),
    ).rejects.toThrow(LeaseLostError);
    expect((await state.loadCheckpoint(tenant))?.seen.has(99_999)).toBe(true);
  }, 120_000);

  it('ends the poll incomplete when three chunks in a row list no page', async () => {
    // Every listing page answers 429 with a 30 s wait; each chunk's DSPM budget is 1 s.
    const ports = portsOf(state, sink);
    const outcomes: ChunkOutcome[] = [];
    for (let chunk = 1; chunk <= MAX_STALLED_CHUNKS; chunk++) {
      sim.faults.add({
        kind: 'rate-limit',
        retryAfter: 30,
        count: 1,
        match: { route: 'data_stores/connected' },
      });
      ports.dspm.setDeadline(Date.now() + 1_000);
      outcomes.push(await pollChunk(ports, SETTINGS, { runId: 'run-1', stopAtMs: Date.now() + 60_000 }));
    }
    expect(outcomes.map((o) => o.status)).toEqual(['more', 'more', 'listed']);
    ports.dspm.setDeadline(undefined);
    const finished = await finishPoll(ports, SETTINGS, { runId: 'run-1' });
    expect(finished).toMatchObject({ status: 'completed', summary: { complete: false } });
    expect(summaryOf(sink)?.incompleteReason).toMatch(
      /^no page was listed in 3 chunks in a row \(.*time budget/,
    );
    const error = finished.status === 'completed' ? finished.error : undefined;
    expect(error).toBeInstanceOf(PollListingFailedError);
    // The workflow reads the class name (Lambda's errorType).
    expect(error?.name).toBe('PollListingFailedError');
    expect(error?.message).toMatch(/^the listing failed part-way: no page was listed/);
  }, 120_000);

  it('ends a poll in progress that is older than a day instead of continuing it', async () => {
    let offsetMs = 0;
    const clock: Clock = { now: () => Date.now() + offsetMs, sleep: systemClock.sleep };
    const ports = portsOf(state, sink, clock);
    await pollChunk(ports, SETTINGS, { runId: 'run-1', ...ONE_PAGE });
    offsetMs = MAX_POLL_AGE_MS + 60_000;
    expect(await pollChunk(ports, SETTINGS, { runId: 'run-1', ...ONE_PAGE })).toMatchObject({
      status: 'listed',
      complete: false,
    });
    await finishPoll(ports, SETTINGS, { runId: 'run-1' });
    expect(summaryOf(sink)?.incompleteReason).toMatch(/abandoned after 24 h/);
    expect(await state.loadCheckpoint(tenant)).toBeUndefined();
  }, 120_000);

  it('refuses to finish a pass still listing, and has nothing to finish when no poll is in progress', async () => {
    const ports = portsOf(state, sink);
    expect(await finishPoll(ports, SETTINGS, { runId: 'run-1' })).toMatchObject({
      status: 'skipped',
      reason: 'no-poll',
    });
    await pollChunk(ports, SETTINGS, { runId: 'run-1', ...ONE_PAGE });
    await expect(finishPoll(ports, SETTINGS, { runId: 'run-1' })).rejects.toThrow(PollNotListedError);
    await expect(finishPoll(ports, SETTINGS, { runId: 'run-1' })).rejects.toThrow(
      /still listing \(offset 100 of 800\)/,
    );
  }, 120_000);

  it('is continued by a one-go poll (the CLI) when a run left it in progress', async () => {
    const ports = portsOf(state, sink);
    const first = await pollChunk(ports, SETTINGS, { runId: 'run-1', ...ONE_PAGE });
    await state.releaseLease(tenant, 'run-1');
    const outcome = await pollDataStores(ports, SETTINGS);
    expect(outcome).toMatchObject({
      status: 'completed',
      pollId: first.status === 'more' ? first.pollId : '',
      summary: { complete: true },
    });
    expect(summaryOf(sink)).toMatchObject({ stores: { seen: STORES }, dspm: { pages: 8 } });
    expect(await state.loadCheckpoint(tenant)).toBeUndefined();
  }, 120_000);
});
