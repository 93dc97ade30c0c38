/**
 * The poll lease is short and renewed while the poll runs, in DynamoDB (moto) and in memory: a
 * poll that lasts many times the lease's TTL keeps it the whole time, and a poll whose lease was
 * taken over stops without publishing or committing anything.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { LeaseLostError } from '#shared/state/lease.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StateStore } from '#shared/state/state-store.ts';
import type { RequestLogEntry } from '#simulator/request-log.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

/** Short enough that the poll below outlasts it twice over; long enough for a loaded machine's renewals. */
const TTL_MS = 400;
/** 15 pages of 10 stores, one at a time, 60 ms each: a poll of about a second. */
const STORES = 150;

describe.each([
  ['DynamoDB (moto)', 'dynamodb'],
  ['memory', 'memory'],
] as const)('the poll lease in %s', (_name, kind) => {
  let sim: RunningSimulator;
  let onConnectedPage: ((entry: RequestLogEntry) => Promise<void>) | undefined;
  let state: StateStore;
  let tenant: string;
  const logger = new Capture();

  beforeAll(async () => {
    sim = await startSimulator({
      stores: STORES,
      seed: 11,
      latencyMs: 60,
      onRequest: async (entry) => {
        if (entry.route.includes('data_stores/connected')) await onConnectedPage?.(entry);
      },
    });
    tenant = new URL(sim.url).host;
  });
  beforeEach(async () => {
    sim.tenant.reset();
    onConnectedPage = undefined;
    if (kind === 'dynamodb') {
      const clients = motoClients(inject('motoEndpoint'));
      const tableName = uniqueName('lease-state');
      await createStateTable(clients.dynamoDb, tableName);
      state = new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(clients.dynamoDb), tableName });
    } else {
      state = new MemoryStateStore();
    }
  });
  afterAll(() => sim.close());

  const poll = (sink = new RecordingSink()) =>
    pollDataStores(
      {
        dspm: testClient(sim.url, { pageSize: 10, concurrency: 1 }),
        state,
        sink,
        clock: systemClock,
        logger,
        tenant,
      },
      { ...DEFAULT_POLL_SETTINGS, leaseTtlMs: TTL_MS },
    );

  it('keeps its lease through a poll more than twice its TTL long, then gives it back', async () => {
    // Arrange: another poll tries to take the lease at every page.
    const attempts: boolean[] = [];
    onConnectedPage = async () => {
      attempts.push(await state.tryAcquireLease(tenant, 'intruder', new Date(), TTL_MS));
    };
    // Act
    const outcome = await poll();
    // Assert
    expect(outcome.status).toBe('completed');
    if (outcome.status !== 'completed') return;
    expect(outcome.summary.durationMs).toBeGreaterThan(2 * TTL_MS);
    expect(attempts).toHaveLength(STORES / 10);
    expect(attempts.every((taken) => !taken)).toBe(true);
    expect(await state.tryAcquireLease(tenant, 'intruder', new Date(), TTL_MS)).toBe(true);
  });

  it('is blocked by the lease of a dead poll for at most one TTL', async () => {
    // Arrange: a poll took the lease and died without giving it back.
    await state.tryAcquireLease(tenant, 'dead-poll', new Date(), TTL_MS);
    // Act
    const blocked = await poll();
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 50));
    const after = await poll();
    // Assert
    expect(blocked.status).toBe('skipped');
    expect(after.status).toBe('completed');
  });

  it('stops without publishing or committing when another poll took its lease over', async () => {
    // Arrange: a baseline, then a change; at the third page, a poll that believes the lease
    // expired (a clock ahead of ours) takes it.
    await poll();
    sim.tenant.updateStore(100, { encryption: sim.tenant.getStore(100)?.encryption === 'On' ? 'Off' : 'On' });
    const before = await state.loadStores(tenant);
    const metaBefore = await state.loadMeta(tenant);
    onConnectedPage = async (entry) => {
      if (Number(entry.query.offset ?? 0) === 20)
        expect(await state.tryAcquireLease(tenant, 'thief', new Date(Date.now() + 10 * TTL_MS), 60_000)).toBe(
          true,
        );
    };
    const sink = new RecordingSink();
    // Act
    const outcome = poll(sink);
    // Assert
    await expect(outcome).rejects.toThrow(LeaseLostError);
    await expect(outcome).rejects.toThrow(
      /lease of .* was lost \(another poll holds it now\); nothing was committed/,
    );
    expect(sink.attempted).toEqual([]);
    expect(await state.loadStores(tenant)).toEqual(before);
    expect(await state.loadMeta(tenant)).toEqual(metaBefore);
    // The loser neither renewed nor released the thief's lease.
    expect(await state.renewLease(tenant, 'thief', new Date(), 60_000)).toBe(true);
  });
});

describe('a poll whose lease renewals keep failing', () => {
  /** A store whose renewals fail as a throttled or unreachable table does. */
  class UnrenewableStore extends MemoryStateStore {
    renewals = 0;
    override async renewLease(): Promise<boolean> {
      this.renewals++;
      throw new Error('ProvisionedThroughputExceededException (injected by the test)');
    }
  }
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ stores: STORES, seed: 11, latencyMs: 60 });
  });
  afterAll(() => sim.close());

  it('stops without committing once its lease expired unrenewed, and warns at each failure', async () => {
    // Arrange
    const state = new UnrenewableStore();
    const logger = new Capture();
    const sink = new RecordingSink();
    const tenant = new URL(sim.url).host;
    // Act
    const outcome = pollDataStores(
      {
        dspm: testClient(sim.url, { pageSize: 10, concurrency: 1 }),
        state,
        sink,
        clock: systemClock,
        logger,
        tenant,
      },
      { ...DEFAULT_POLL_SETTINGS, leaseTtlMs: TTL_MS },
    );
    // Assert
    await expect(outcome).rejects.toThrow(/lease of .* was lost \(renewals failed until it expired\)/);
    expect(state.renewals).toBeGreaterThan(0);
    expect(
      logger.lines.filter((line) => line.message === 'renewing the poll lease failed; trying again'),
    ).toHaveLength(state.renewals);
    expect(sink.attempted).toEqual([]);
    expect(await state.loadMeta(tenant)).toBeUndefined();
    expect(await state.loadStores(tenant)).toEqual(new Map());
  });
});
