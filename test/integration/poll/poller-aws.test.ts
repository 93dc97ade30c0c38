/**
 * The poller with real AWS APIs (moto): the Lambda handler in-process, its token in Secrets
 * Manager, state in DynamoDB, events on a custom bus whose rules (the documented sample patterns)
 * deliver to SQS spy queues; the simulator plays the tenant.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import type { BusEvent } from '#shared/events/contract.ts';
import { EventBridgeSink } from '#shared/events/eventbridge-sink.ts';
import { sampleRulePatterns } from '#shared/events/rule-patterns.ts';
import type { EventSink } from '#shared/events/sink.ts';
import { pollDataStores } from '#shared/poll/in-process-poll.ts';
import { DEFAULT_POLL_SETTINGS } from '#shared/poll/poll-config.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import type { RunningSimulator } from '#simulator/server.ts';
import {
  captureProcessOutput,
  fakeContext,
  type SpyQueue,
  spyOnRule,
  uniqueName,
} from '../../helpers/aws.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';
import { runStep, runTenantBranch, workflowRunId } from '../../helpers/poll-workflow.ts';
import { injectPutEventsFault } from '../../helpers/put-events-faults.ts';

const TOKEN = 'aws-suite-token-3c9d41';

describe('the poller on AWS (moto)', () => {
  let bridge: MotoBridge;
  let clients: MotoBridge['clients'];
  let busName: string;
  let sim: RunningSimulator;
  let spies: Record<keyof ReturnType<typeof sampleRulePatterns>, SpyQueue>;
  let handler: (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<unknown>;
  let output: string[] = [];
  let state: DynamoDbStateStore;
  let tenant: string;

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'dspm',
      simulator: { tokens: [{ token: TOKEN, access: 'read-write' }] },
      secret: JSON.stringify({ token: TOKEN }),
      env: { DSPM_RATE_LIMIT_RPS: '1000', POWERTOOLS_SERVICE_NAME: 'dspm-bridge-poller' },
    });
    ({ clients, busName, sim, tenant } = bridge);
    state = new DynamoDbStateStore({
      client: DynamoDBDocumentClient.from(clients.dynamoDb),
      tableName: bridge.tableName,
    });
    const patterns = sampleRulePatterns();
    spies = {
      highOrCriticalRisk: await spyOnRule(clients, busName, uniqueName('high'), patterns.highOrCriticalRisk),
      encryptionTurnedOff: await spyOnRule(
        clients,
        busName,
        uniqueName('encryption'),
        patterns.encryptionTurnedOff,
      ),
      becamePublic: await spyOnRule(clients, busName, uniqueName('public'), patterns.becamePublic),
      everything: await spyOnRule(clients, busName, uniqueName('all'), patterns.everything),
    };
    // Powertools writes logs and metrics to stdout; keep them, to read and to search for the token.
    output = captureProcessOutput();
    ({ handler } = await import('../../../functions/poll-data-stores.ts'));
  });

  beforeEach(async () => {
    for (const spy of Object.values(spies)) await spy.drain();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge.close();
  });

  it('takes a baseline on its first invocation: state in DynamoDB, only the summary and baseline findings on the bus', async () => {
    // Act
    const steps = await runTenantBranch(handler, { tenant });
    // Assert: the guide's store 1 has encryption Off, a finding that opens as baseline.
    expect(steps.map((step) => step.status)).toEqual(['listed', 'completed']);
    expect(steps.at(-1)).toMatchObject({ status: 'completed', complete: true, published: 1, failed: 0 });
    const events = await spies.everything.drain();
    expect(events.map((e) => e['detail-type'])).toEqual(['data-store-finding-opened', 'dspm-poll-completed']);
    expect(events[0]?.detail).toMatchObject({ condition: 'encryption-off', baseline: true });
    expect(events[1]?.detail).toMatchObject({ baseline: true, stores: { seen: 3 }, test: true });
    const stored = await state.loadStores(tenant);
    expect([...stored.keys()]).toEqual([1, 2, 3]);
    expect(await state.loadMeta(tenant)).toMatchObject({ baselineAt: expect.any(String) });
    // The lease was given back: another holder can take it at once.
    expect(await state.tryAcquireLease(tenant, 'probe', new Date(), 1_000)).toBe(true);
    await state.releaseLease(tenant, 'probe');
  });

  it('routes real poller events through the documented sample rules', async () => {
    // Arrange: store 1 becomes critical, store 2 loses encryption, store 3 becomes public.
    sim.tenant.updateStore(1, { data_store_risk_rating: 80 });
    sim.tenant.updateStore(2, { encryption: 'Off' });
    sim.tenant.updateStore(3, { publicly_inaccessible: 'Off' });
    // Act
    await runTenantBranch(handler, { tenant });
    // Assert
    const storeIds = (events: { detail: Record<string, unknown> }[]) =>
      events.map((e) => (e.detail.dataStore as { id: number }).id);
    expect(storeIds(await spies.highOrCriticalRisk.drain())).toEqual([1]);
    expect(storeIds(await spies.encryptionTurnedOff.drain())).toEqual([2]);
    expect(storeIds(await spies.becamePublic.drain())).toEqual([3]);
    const all = await spies.everything.drain();
    // Each change also opens a finding: high-risk, encryption-off, public-access.
    expect(all.map((e) => e['detail-type']).sort()).toEqual([
      'data-store-finding-opened',
      'data-store-finding-opened',
      'data-store-finding-opened',
      'data-store-risk-changed',
      'data-store-risk-changed',
      'data-store-risk-changed',
      'dspm-poll-completed',
    ]);
    const changes = all.filter((e) => e['detail-type'] === 'data-store-risk-changed');
    const critical = changes.find((e) => (e.detail.dataStore as { id: number } | undefined)?.id === 1);
    expect(critical).toMatchObject({
      source: 'netskope.dspm',
      detail: { severity: 'critical', sequence: 1 },
    });
    // The store's AWS ARN rides in the entry's resources, for rules that match on it; a store
    // whose account id is not one (the guide's store 2) and the summary carry none.
    expect(critical?.resources).toEqual(['arn:aws:rds:us-west-2:123456789012:db:postgres-engineering']);
    const byStore = (id: number) =>
      changes.find((e) => (e.detail.dataStore as { id: number } | undefined)?.id === id);
    expect(byStore(3)?.resources).toEqual(['arn:aws:rds:us-west-2:123456789012:db:production']);
    expect(byStore(2)?.resources).toEqual([]);
    expect(all.find((e) => e['detail-type'] === 'dspm-poll-completed')?.resources).toEqual([]);
    expect((await state.loadStores(tenant)).get(1)).toMatchObject({
      sequence: 1,
      snapshot: { data_store_risk_rating: 80 },
    });
  });

  it('emits Powertools metrics for the poll', () => {
    const metrics = output.filter((line) => line.includes('"_aws"')).join('\n');
    for (const name of [
      'StoresSeen',
      'EventsPublished',
      'PublishFailures',
      'DspmRequests',
      'DspmThrottles',
      'PollDuration',
      'IncompletePolls',
    ]) {
      expect(metrics).toContain(`"${name}"`);
    }
  });

  it('ends a 429 storm in an incomplete poll, chunk by chunk within each time budget, committing what it saw', async () => {
    // Arrange: the tenant asks for a 30 s wait on the listing's pages; each invocation has 10 s
    // left, so its DSPM budget is 3 s. The warm client keeps honouring the wait, so the next
    // chunks cannot even read the catalogs: they too list nothing and hand on.
    sim.faults.add({
      kind: 'rate-limit',
      retryAfter: 30,
      count: 5,
      match: { route: 'data_stores/connected' },
    });
    const runId = workflowRunId(tenant);
    const context = () => fakeContext('dspm-bridge-test', 10_000);
    try {
      // Act: three chunks that list no page hand on, then end the pass incomplete.
      const chunks = [];
      for (let i = 0; i < 3; i++)
        chunks.push(await runStep(handler, { step: 'chunk', tenant, runId }, context()));
      const finish = runStep(handler, { step: 'finish', tenant, runId }, context());
      // Assert: no chunk failed; the finish publishes the summary, then fails the task (the
      // listing failed), so the execution fails and its alarm fires.
      expect(chunks.map((chunk) => chunk.status)).toEqual(['more', 'more', 'listed']);
      expect(chunks[2]).toMatchObject({
        complete: false,
        incompleteReason: expect.stringMatching(/time budget/),
      });
      await expect(finish).rejects.toThrow(/no page was listed in 3 chunks/);
      const summary = (await spies.everything.drain()).find(
        (e) => e['detail-type'] === 'dspm-poll-completed',
      );
      expect(summary?.detail).toMatchObject({ complete: false });
      expect((summary?.detail as { incompleteReason?: unknown } | undefined)?.incompleteReason).toMatch(
        /time budget/,
      );
      // The lease is back and no checkpoint is left: the next poll starts afresh.
      expect(await state.loadCheckpoint(tenant)).toBeUndefined();
      expect(await state.tryAcquireLease(tenant, 'probe', new Date(), 1_000)).toBe(true);
      await state.releaseLease(tenant, 'probe');
    } finally {
      sim.faults.clear();
    }
  });

  it('skips when another poll holds the DynamoDB lease', async () => {
    expect(await state.tryAcquireLease(tenant, 'another-poll', new Date(), 60_000)).toBe(true);
    try {
      expect(
        await runStep(handler, { step: 'chunk', tenant, runId: workflowRunId(tenant) }, fakeContext()),
      ).toMatchObject({ status: 'skipped', reason: 'lease-held' });
      expect(await spies.everything.drain()).toEqual([]);
    } finally {
      await state.releaseLease(tenant, 'another-poll');
    }
  });

  it('commits accepted stores after a partial PutEvents failure and re-sends the rejected ones with the same eventId', async () => {
    // Arrange: a real EventBridge client whose entries for store 2 fail (not retryable).
    const ports = {
      dspm: testClient(sim.url, { token: TOKEN }),
      state,
      clock: systemClock,
      logger: new Capture(),
      tenant,
    };
    const sink = new EventBridgeSink({ client: clients.eventBridge, busName, retry: { baseDelayMs: 1 } });
    const removeFault = injectPutEventsFault(clients.eventBridge, {
      fails: (entry) => JSON.parse(entry.Detail ?? '{}').dataStore?.id === 2,
      errorCode: 'AccessDeniedException',
    });
    sim.tenant.updateStore(1, { backup: 'Off' });
    sim.tenant.updateStore(2, { backup: 'Off' });
    // Act
    let outcome: Awaited<ReturnType<typeof pollDataStores>>;
    try {
      outcome = await pollDataStores({ ...ports, sink }, DEFAULT_POLL_SETTINGS);
    } finally {
      removeFault();
    }
    const first = await spies.everything.drain();
    const stored = await state.loadStores(tenant);
    await pollDataStores({ ...ports, sink }, DEFAULT_POLL_SETTINGS);
    const second = await spies.everything.drain();
    // Assert
    expect(outcome).toMatchObject({
      // Each store's change and its backup-off finding: store 2's two refused, one store uncommitted.
      summary: { events: { published: 2, failed: 2 }, stores: { uncommitted: 1 } },
    });
    expect(stored.get(1)).toMatchObject({ sequence: 2, snapshot: { backup: 'Off' } });
    expect(stored.get(2)).toMatchObject({ sequence: 1, snapshot: { backup: 'On' } });
    const changes = (events: typeof first) =>
      events.filter((e) => e['detail-type'] === 'data-store-risk-changed');
    expect(changes(first).map((e) => (e.detail.dataStore as { id: number }).id)).toEqual([1]);
    expect(changes(second).map((e) => (e.detail.dataStore as { id: number }).id)).toEqual([2]);
    expect((await state.loadStores(tenant)).get(2)).toMatchObject({
      sequence: 2,
      snapshot: { backup: 'Off' },
    });
  });

  it('retries entries EventBridge throttled, and they go through', async () => {
    const sink = new EventBridgeSink({ client: clients.eventBridge, busName, retry: { baseDelayMs: 1 } });
    const removeFault = injectPutEventsFault(clients.eventBridge, {
      fails: () => true,
      errorCode: 'ThrottlingException',
      remaining: 2,
    });
    sim.tenant.updateStore(1, { data_store_risk_rating: 10 });
    try {
      const outcome = await pollDataStores(
        {
          dspm: testClient(sim.url, { token: TOKEN }),
          state,
          sink,
          clock: systemClock,
          logger: new Capture(),
          tenant,
        },
        DEFAULT_POLL_SETTINGS,
      );
      // The change and the resolve of store 1's high-risk finding (critical since the rating of 80).
      expect(outcome).toMatchObject({ summary: { events: { published: 2, failed: 0 } } });
      expect(sink.stats.retriedEntries).toBe(2);
    } finally {
      removeFault();
    }
    expect((await spies.everything.drain()).map((e) => e['detail-type'])).toEqual([
      'data-store-risk-changed',
      'data-store-finding-resolved',
      'dspm-poll-completed',
    ]);
  });

  it('loses nothing when the poll dies between publishing and committing: the next poll re-sends the same eventId', async () => {
    // Arrange: a sink that publishes for real, then "crashes" before the use case can commit.
    const real = new EventBridgeSink({ client: clients.eventBridge, busName });
    const crashing: EventSink = {
      publish: async (events: readonly BusEvent[]) => {
        await real.publish(events);
        throw new Error('process killed after PutEvents');
      },
    };
    const ports = {
      dspm: testClient(sim.url, { token: TOKEN }),
      state,
      clock: systemClock,
      logger: new Capture(),
      tenant,
    };
    sim.tenant.updateStore(3, { encryption: 'Off' });
    // Act
    await expect(pollDataStores({ ...ports, sink: crashing }, DEFAULT_POLL_SETTINGS)).rejects.toThrow(
      'process killed after PutEvents',
    );
    const beforeCommit = (await state.loadStores(tenant)).get(3);
    await pollDataStores({ ...ports, sink: real }, DEFAULT_POLL_SETTINGS);
    // Assert: the same transition twice on the bus (subscribers drop the duplicate), then committed.
    const sent = (await spies.encryptionTurnedOff.drain()).map((e) => e.detail.eventId);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe(sent[1]);
    expect(beforeCommit).toMatchObject({ snapshot: { encryption: 'On' } });
    expect((await state.loadStores(tenant)).get(3)).toMatchObject({ snapshot: { encryption: 'Off' } });
    // The lease was released despite the crash.
    expect(await state.tryAcquireLease(tenant, 'probe', new Date(), 1_000)).toBe(true);
    await state.releaseLease(tenant, 'probe');
  });

  it('never lets an older commit overwrite a newer one', async () => {
    const current = (await state.loadStores(tenant)).get(1);
    if (!current) throw new Error('store 1 is committed');
    const outcome = await state.commitStores(tenant, [
      { ...current, sequence: current.sequence - 1, snapshot: { encryption: 'On' } },
    ]);
    expect(outcome).toEqual({ committed: 0, stale: [1] });
    expect((await state.loadStores(tenant)).get(1)).toEqual(current);
  });

  it('keeps the token out of every log line, metric and event', async () => {
    const events = await spies.everything.drain();
    expect(output.join('')).not.toContain(TOKEN);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(output.length).toBeGreaterThan(0);
  });
});
