/**
 * The poll workflow executed end to end: the state machine definition from the synthesized
 * template (its references resolved to the ARNs a deploy gives them) run by an ASL interpreter,
 * every Task invoking the SHIPPED poller bundle from the synthesized assembly as Lambda runs it
 * (warm environments, the template's reserved concurrency, errors reported by name), against
 * three tenants played by simulators on loopback and moto (state table, bus, token secrets). See
 * test/helpers/workflow-run.ts for what the interpreter models and what it does not.
 *
 * Two things run faster than deployed, each the same mechanism with a different number:
 * - chunks: `POLL_CHUNK_SECONDS=0` (a setting the poller reads; the stack leaves it unset) makes
 *   each chunk stop after its first page, and the stack's `pageSize` is 2, so a tenant of 12
 *   stores is polled in six chunks;
 * - Retry waits: each retrier's IntervalSeconds is paused for 1/20 of itself (2 s -> 100 ms).
 *   The interpreter then pauses the same interval on every attempt (no backoff, no jitter);
 *   MaxAttempts and the order of the rules are the definition's.
 * The poll lease keeps its TTL from the template (120 s). Where the test needs the time after
 * it (the next scheduled execution), it moves the lease's clock, not the poller's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { BRIDGE_TRANSIENT_ERRORS, LAMBDA_SERVICE_ERRORS } from '../../../infra/constructs/poll-workflow.ts';
import { motoClients, type SpyQueue, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { SimulatedLambdaService } from '../../helpers/lambda-service.ts';
import type { CfnTemplate } from '../../helpers/moto-template.ts';
import { deployPollWorkflow, type PollWorkflowDeployment } from '../../helpers/poll-workflow-deployment.ts';
import { synthesize } from '../../helpers/stack.ts';
import {
  catches,
  failedAttempts,
  retries,
  stepResults,
  tenantOutcomes,
} from '../../helpers/workflow-history.ts';
import { type ExecutionRecord, LocalWorkflow } from '../../helpers/workflow-run.ts';

const TOKENS = { alpha: 'alpha-workflow-token-5e1a', beta: 'beta-workflow-token-92c7' } as const;
/** Stores of the tenant polled over several chunks. */
const ALPHA_STORES = 12;
/** The stack's page size (context `pageSize`): one page per chunk with POLL_CHUNK_SECONDS=0. */
const PAGE_SIZE = 2;
/** Real time per definition second of a Retry interval. */
const RETRY_TIME_SCALE = 0.05;
/** docs/operations.md, "The poll workflow", Retries: the bridge's passing errors get 3 more attempts. */
const TRANSIENT_RETRIES = 3;

type BusEvent = { 'detail-type': string; detail: Record<string, unknown> & { eventId?: string } };

/** `data-store-*` events per store id of `tenant`, and the summaries. */
function storeEvents(events: BusEvent[], tenant: string, type = 'data-store-risk-changed') {
  return events
    .filter((e) => e['detail-type'] === type && e.detail.tenant === tenant)
    .map((e) => (e.detail.dataStore as { id: number }).id)
    .sort((a, b) => a - b);
}

describe('the synthesized poll workflow, executed with the shipped poller', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const outdir = mkdtempSync(join(tmpdir(), 'dspm-bridge-workflow-'));
  const lambda = new SimulatedLambdaService();
  const sims = {} as Record<'alpha' | 'beta' | 'gamma', RunningSimulator>;
  const hosts = {} as Record<'alpha' | 'beta' | 'gamma', string>;
  let deployment: PollWorkflowDeployment;
  let workflow: LocalWorkflow;
  let spy: SpyQueue;
  let state: DynamoDbStateStore;
  /** Every task the workflow sent the poller, in order (the current test's). */
  const invocations: { step: string; tenant: string; runId: string }[] = [];
  /** Every event the bus delivered to the spy queue, all tests together. */
  const delivered: BusEvent[] = [];
  /** Reads what the bus delivered since the last read. */
  const drain = async () => {
    const events = (await spy.drain()) as BusEvent[];
    delivered.push(...events);
    return events;
  };
  const recordInvocations = (_arn: string, payload: unknown) => {
    invocations.push(payload as (typeof invocations)[number]);
  };

  beforeAll(async () => {
    sims.alpha = await startSimulator({
      tokens: [{ token: TOKENS.alpha, access: 'read' }],
      stores: ALPHA_STORES,
    });
    sims.beta = await startSimulator({ tokens: [{ token: TOKENS.beta, access: 'read' }] });
    // Its token is never stored: the stack's placeholder stays in its secret.
    sims.gamma = await startSimulator({ tokens: [{ token: 'gamma-token-nobody-has', access: 'read' }] });
    for (const name of ['alpha', 'beta', 'gamma'] as const) hosts[name] = new URL(sims[name].url).host;

    const { template } = synthesize(
      {
        tenantUrl: undefined,
        tenants: [{ tenantUrl: sims.alpha.url }, { tenantUrl: sims.beta.url }, { tenantUrl: sims.gamma.url }],
        allowAnyHost: true,
        pageSize: PAGE_SIZE,
        rateLimitRps: 1000,
        // Two at a time: the Map's MaxConcurrency and the poller's reserved concurrency.
        tenantConcurrency: 2,
        eventBusName: uniqueName('workflow-bus'),
      },
      { bundle: true, outdir },
    );
    deployment = await deployPollWorkflow({
      template: template.toJSON() as CfnTemplate,
      assemblyDirectory: outdir,
      clients,
      motoEndpoint: endpoint,
      lambda,
      environmentOverrides: { POLL_CHUNK_SECONDS: '0' },
    });
    // The operator stores two tenants' tokens, as docs/operations.md says.
    for (const name of ['alpha', 'beta'] as const) {
      await clients.secretsManager.send(
        new PutSecretValueCommand({
          SecretId: deployment.tokenSecrets[hosts[name]],
          SecretString: JSON.stringify({ token: TOKENS[name] }),
        }),
      );
    }
    state = new DynamoDbStateStore({
      client: DynamoDBDocumentClient.from(clients.dynamoDb),
      tableName: deployment.tableName,
    });
    spy = await spyOnRule(clients, deployment.busName, uniqueName('workflow-spy'), {
      source: ['netskope.dspm'],
    });
    lambda.beforeInvoke = recordInvocations;
    workflow = new LocalWorkflow({
      definition: deployment.definition,
      lambda,
      name: 'DspmBridge-PollWorkflow',
      retryTimeScale: RETRY_TIME_SCALE,
    });
  }, 300_000);

  beforeEach(async () => {
    await drain();
    invocations.length = 0;
    lambda.beforeInvoke = recordInvocations;
  });

  afterAll(async () => {
    lambda.stopAll();
    deployment?.bundle.remove();
    for (const sim of Object.values(sims)) await sim?.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('takes a baseline of two tenants over several chunks; the tenant whose token is not set is skipped, without a DSPM call', async () => {
    // Act
    const execution = await workflow.run(uniqueName('baseline'));
    // Assert: the execution succeeded, each tenant's branch as expected.
    expect(execution, JSON.stringify(failedAttempts(execution))).toMatchObject({ status: 'SUCCEEDED' });
    expect(tenantOutcomes(execution)).toEqual({
      [hosts.alpha]: 'polled',
      [hosts.beta]: 'polled',
      [hosts.gamma]: 'skipped',
    });
    // Alpha was listed a page a chunk, then finished.
    const alphaSteps = stepResults(execution, hosts.alpha).map((result) => result.status);
    const chunks = Math.ceil(ALPHA_STORES / PAGE_SIZE);
    expect(alphaSteps).toEqual([...Array(chunks - 1).fill('more'), 'listed', 'completed']);
    expect(stepResults(execution, hosts.gamma)).toEqual([
      expect.objectContaining({ status: 'token-not-set', tenant: hosts.gamma }),
    ]);
    expect(sims.gamma.requests).toEqual([]);
    // State and events: every store committed, one baseline summary per polled tenant.
    expect((await state.loadStores(hosts.alpha)).size).toBe(ALPHA_STORES);
    expect((await state.loadStores(hosts.beta)).size).toBe(3);
    const events = await drain();
    const summaries = events.filter((e) => e['detail-type'] === 'dspm-poll-completed');
    expect(summaries.map((e) => [e.detail.tenant, e.detail.baseline, e.detail.complete]).sort()).toEqual(
      [
        [hosts.alpha, true, true],
        [hosts.beta, true, true],
      ].sort(),
    );
    // Warm environments: never more than the reserved concurrency, each reused.
    const stats = lambda.stats(deployment.pollerArn);
    expect(deployment.reservedConcurrency).toBe(2);
    expect(stats.environments).toBeLessThanOrEqual(2);
    expect(stats.invocations).toBe(invocations.length);
    expect(stats.throttles).toBe(0);
    expect(lambda.invocationsPerEnvironment(deployment.pollerArn).every((n) => n > 1)).toBe(true);
  }, 180_000);

  it('delivers each change once: one event per changed store, every eventId once, one summary per tenant', async () => {
    // Arrange: a store on alpha's first, a middle and last page, and one of beta's.
    const alphaIds = sims.alpha.tenant.listStores().map((store) => store.id);
    const changedAlpha = [
      alphaIds[0],
      alphaIds[Math.floor(alphaIds.length / 2)],
      alphaIds.at(-1),
    ] as number[];
    for (const id of changedAlpha) changeRating(sims.alpha, id);
    changeRating(sims.beta, 2);
    // Act
    const execution = await workflow.run(uniqueName('changes'));
    // Assert
    expect(execution, JSON.stringify(failedAttempts(execution))).toMatchObject({ status: 'SUCCEEDED' });
    const events = await drain();
    expect(storeEvents(events, hosts.alpha)).toEqual([...changedAlpha].sort((a, b) => a - b));
    expect(storeEvents(events, hosts.beta)).toEqual([2]);
    expectEachEventIdOnce(events);
    const summaries = events.filter((e) => e['detail-type'] === 'dspm-poll-completed');
    expect(summaries.map((e) => e.detail.tenant).sort()).toEqual([hosts.alpha, hosts.beta].sort());
    expect(summaries.every((e) => e.detail.baseline === false && e.detail.complete === true)).toBe(true);
  }, 180_000);

  it('runs two executions at once: each tenant is polled by one of them, the other branch is skipped; throttled tasks are retried', async () => {
    // Arrange: DSPM answers each call after 200 ms, so a tenant's poll (two calls a chunk, one
    // at the finish: beta's lasts at least a second, alpha's 2.6 s) outlasts the other
    // execution's throttled branch, whose six retries pause 100 ms each, while a branch that
    // only finds the lease held (one DynamoDB write) takes a fraction of those pauses. A change
    // on each tenant, to see it delivered once.
    const alphaIds = sims.alpha.tenant.listStores().map((store) => store.id);
    changeRating(sims.alpha, alphaIds[1] as number);
    changeRating(sims.beta, 3);
    for (const sim of [sims.alpha, sims.beta]) sim.setLatency(200);
    const before = lambda.stats(deployment.pollerArn);
    let executions: ExecutionRecord[];
    try {
      // Act
      executions = await Promise.all([workflow.run(uniqueName('first')), workflow.run(uniqueName('second'))]);
    } finally {
      for (const sim of [sims.alpha, sims.beta]) sim.setLatency(0);
    }
    // Assert: both succeeded; per tenant one branch polled and the other skipped.
    for (const execution of executions) {
      expect(execution, JSON.stringify(failedAttempts(execution))).toMatchObject({ status: 'SUCCEEDED' });
    }
    const outcomes = executions.map(tenantOutcomes);
    for (const host of [hosts.alpha, hosts.beta]) {
      expect(outcomes.map((o) => o[host]).sort(), host).toEqual(['polled', 'skipped']);
    }
    expect(outcomes.map((o) => o[hosts.gamma])).toEqual(['skipped', 'skipped']);
    // More invocations were asked for than the reserved concurrency allows: Lambda refused them
    // as Step Functions sees it, and the definition retried each until its attempts ran out.
    const throttles = lambda.stats(deployment.pollerArn).throttles - before.throttles;
    expect(throttles).toBeGreaterThan(0);
    const throttled = executions
      .flatMap(failedAttempts)
      .filter((a) => a.error === 'Lambda.TooManyRequestsException');
    expect(throttled).toHaveLength(throttles);
    const retried = executions
      .flatMap(retries)
      .filter((r) => r.errors.includes('Lambda.TooManyRequestsException'));
    const busy = executions
      .flatMap(catches)
      .filter((c) => c.errors.includes('Lambda.TooManyRequestsException'));
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((r) => LAMBDA_SERVICE_ERRORS.every((e) => r.errors.includes(e)))).toBe(true);
    expect(retried.length + busy.length).toBe(throttles);
    // Each change once, whichever execution polled its tenant.
    const events = await drain();
    expect(storeEvents(events, hosts.alpha)).toEqual([alphaIds[1]]);
    expect(storeEvents(events, hosts.beta)).toEqual([3]);
    expectEachEventIdOnce(events);
  }, 180_000);

  let failedRun: { execution: ExecutionRecord; changedAlpha: number[]; events: BusEvent[] };

  it('fails the execution when a tenant fails mid-listing: retried by the definition, caught, the other tenant polled', async () => {
    // Arrange: changes on alpha's first and last pages, and on beta; from alpha's second chunk
    // on, its tenant refuses every catalog read with 429 and a Retry-After (61 s) longer than
    // the client waits, so each chunk fails at once with DspmRateLimitError.
    const alphaIds = sims.alpha.tenant.listStores().map((store) => store.id);
    const changedAlpha = [alphaIds[0], alphaIds.at(-1)] as number[];
    for (const id of changedAlpha) changeRating(sims.alpha, id);
    changeRating(sims.beta, 1);
    let alphaChunks = 0;
    lambda.beforeInvoke = (arn, payload) => {
      recordInvocations(arn, payload);
      const task = payload as { step: string; tenant: string };
      if (task.tenant === hosts.alpha && task.step === 'chunk' && ++alphaChunks === 2) {
        sims.alpha.faults.add({
          kind: 'status',
          status: 429,
          retryAfter: 61,
          message: 'rate limit exceeded',
          match: { route: 'data_stores/services' },
          count: Number.POSITIVE_INFINITY,
        });
      }
    };
    // Act
    const name = uniqueName('failing');
    const execution = await workflow.run(name);
    sims.alpha.faults.clear();
    // Assert: the execution failed, naming why; alpha failed, beta polled.
    expect(execution).toMatchObject({ status: 'FAILED', error: 'TenantPollFailed' });
    expect(tenantOutcomes(execution)).toEqual({
      [hosts.alpha]: 'failed',
      [hosts.beta]: 'polled',
      [hosts.gamma]: 'skipped',
    });
    // Alpha's first chunk listed; the second failed by name, was retried by the definition's
    // rule for the bridge's passing errors, then caught.
    expect(stepResults(execution, hosts.alpha).map((r) => r.status)).toEqual(['more']);
    const failures = failedAttempts(execution).filter((a) => a.tenant === hosts.alpha);
    expect(failures.map((f) => [f.state, f.error])).toEqual(
      Array(1 + TRANSIENT_RETRIES).fill(['Chunk', 'DspmRateLimitError']),
    );
    expect(JSON.parse(failures[0]?.cause ?? '{}')).toMatchObject({
      errorType: 'DspmRateLimitError',
      errorMessage: expect.stringMatching(/data_stores\/services.*rate limited/),
    });
    const alphaRetries = retries(execution).filter((r) => r.tenant === hosts.alpha);
    expect(alphaRetries).toHaveLength(TRANSIENT_RETRIES);
    expect(alphaRetries.every((r) => r.errors.join() === BRIDGE_TRANSIENT_ERRORS.join())).toBe(true);
    expect(catches(execution).filter((c) => c.tenant === hosts.alpha)).toEqual([
      { state: 'Chunk', tenant: hosts.alpha, errors: ['States.ALL'] },
    ]);
    // What the first chunk listed went out; beta's poll is complete.
    const events = await drain();
    expect(storeEvents(events, hosts.alpha)).toEqual([changedAlpha[0]]);
    expect(storeEvents(events, hosts.beta)).toEqual([1]);
    expect(
      events.filter((e) => e['detail-type'] === 'dspm-poll-completed').map((e) => e.detail.tenant),
    ).toEqual([hosts.beta]);
    failedRun = { execution, changedAlpha, events };
    expect(await state.loadCheckpoint(hosts.alpha)).toMatchObject({ listing: { state: 'listing' } });
  }, 180_000);

  it('the next execution, after the lease expired, finishes the failed poll: every change delivered once', async () => {
    // Arrange: the failed run keeps alpha's lease for its TTL (the schedule's next execution
    // comes later than that); the lease's clock is moved past the TTL instead of waiting it out.
    if (!failedRun) throw new Error('this test goes on from the failed execution of the test before');
    const ttlMs = Number(deployment.environment.POLL_LEASE_TTL_SECONDS) * 1000;
    const failedRunId = `${failedRun.execution.name}/${hosts.alpha}`;
    expect(await state.renewLease(hosts.alpha, failedRunId, new Date(Date.now() - ttlMs - 1000), ttlMs)).toBe(
      true,
    );
    const pollId = (await state.loadCheckpoint(hosts.alpha))?.pollId;
    // Act
    const execution = await workflow.run(uniqueName('clean'));
    // Assert: alpha's poll went on from its checkpoint (the same poll) and completed.
    expect(execution, JSON.stringify(failedAttempts(execution))).toMatchObject({ status: 'SUCCEEDED' });
    expect(tenantOutcomes(execution)).toMatchObject({ [hosts.alpha]: 'polled', [hosts.beta]: 'polled' });
    const alphaSteps = stepResults(execution, hosts.alpha);
    expect(alphaSteps.at(-1)).toMatchObject({ status: 'completed', pollId, complete: true });
    expect(alphaSteps.length).toBeLessThan(Math.ceil(ALPHA_STORES / PAGE_SIZE) + 1);
    // Both executions together delivered each of alpha's changes once.
    const events = await drain();
    const both = [...failedRun.events, ...events];
    expect(storeEvents(both, hosts.alpha)).toEqual([...failedRun.changedAlpha].sort((a, b) => a - b));
    expect(storeEvents(events, hosts.beta)).toEqual([]);
    expectEachEventIdOnce(both);
  }, 180_000);

  it('keeps the tokens out of every log line of the poller and every event', () => {
    const output = lambda.output(deployment.pollerArn).join('');
    expect(output.length).toBeGreaterThan(0);
    for (const token of Object.values(TOKENS)) {
      expect(output).not.toContain(token);
      expect(JSON.stringify(delivered)).not.toContain(token);
    }
  });
});

/** Moves a store's risk rating far enough to be a change under any default minimum delta. */
function changeRating(sim: RunningSimulator, id: number): void {
  const current = sim.tenant.getStore(id)?.data_store_risk_rating ?? -1;
  sim.tenant.updateStore(id, { data_store_risk_rating: current >= 50 ? 10 : 90 });
}

/** Every event's eventId appears once among `events` (the summaries' included). */
function expectEachEventIdOnce(events: BusEvent[]): void {
  const ids = events.map((e) => e.detail.eventId).filter((id) => id !== undefined);
  expect(ids.length).toBeGreaterThan(0);
  expect(new Set(ids).size).toBe(ids.length);
}
