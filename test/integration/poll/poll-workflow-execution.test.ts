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
 * - Retry waits: each retrier's IntervalSeconds is paused for 1/100 of itself (2 s -> 20 ms).
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
const RETRY_TIME_SCALE = 0.01;
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
  /** Every task the workflow sent the poller, in order. */
  const invocations: { step: string; tenant: string; runId: string }[] = [];

  beforeAll(async () => {
    sims.alpha = await startSimulator({ tokens: [{ token: TOKENS.alpha, access: 'read' }], stores: ALPHA_STORES });
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
    spy = await spyOnRule(clients, deployment.busName, uniqueName('workflow-spy'), { source: ['netskope.dspm'] });
    lambda.beforeInvoke = (_arn, payload) => {
      invocations.push(payload as (typeof invocations)[number]);
    };
    workflow = new LocalWorkflow({
      definition: deployment.definition,
      lambda,
      name: 'DspmBridge-PollWorkflow',
      retryTimeScale: RETRY_TIME_SCALE,
    });
  }, 120_000);

  beforeEach(async () => {
    await spy.drain();
    invocations.length = 0;
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
    const events = (await spy.drain()) as BusEvent[];
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
  });
});
