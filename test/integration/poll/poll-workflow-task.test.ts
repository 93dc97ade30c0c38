/**
 * The poller Lambda as the poll workflow's task handler, driven as the workflow drives it (moto
 * cannot run Lambda tasks inside Step Functions; the definition itself is asserted in
 * test/infra/poll-workflow.test.ts): the real handler module, two tenants played by two
 * simulators on loopback, each with its own token secret in moto's Secrets Manager, state in one
 * moto DynamoDB table (a partition per tenant), events through a moto EventBridge bus into a spy
 * queue.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { WorkflowTaskInputError } from '#shared/config/workflow-task.ts';
import { UnknownTenantError } from '#shared/roots/poller-runtime.ts';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  captureProcessOutput,
  createBus,
  createSecret,
  createStateTable,
  fakeContext,
  motoClients,
  motoEnvironment,
  type SpyQueue,
  spyOnRule,
  uniqueName,
  useEnvironment,
} from '../../helpers/aws.ts';
import {
  type PollStepHandler,
  runStep,
  runTenantBranch,
  workflowRunId,
} from '../../helpers/poll-workflow.ts';

const TOKENS = { alpha: 'alpha-tenant-token-7c1e', beta: 'beta-tenant-token-0d94' } as const;
/** Stores of the first tenant, listed two a page: six pages. */
const ALPHA_STORES = 12;

/** The EMF records of `output` that carry `metric`: its value and dimensions. */
function metricRecords(output: readonly string[], metric: string) {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map(
      (line) =>
        JSON.parse(line) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] };
        },
    )
    .filter((record) => record[metric] !== undefined)
    .map((record) => ({
      value: record[metric],
      tenant: record.Tenant,
      dimensions: record._aws.CloudWatchMetrics[0]?.Dimensions,
    }));
}

describe('the poll workflow task handler, two tenants on AWS (moto)', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const busName = uniqueName('workflow-bus');
  const tableName = uniqueName('workflow-state');
  const state = new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(clients.dynamoDb), tableName });
  const sims = {} as Record<keyof typeof TOKENS, RunningSimulator>;
  const hosts = {} as Record<keyof typeof TOKENS, string>;
  let spy: SpyQueue;
  let restoreEnv: () => void;
  let handler: PollStepHandler;
  let output: string[] = [];
  /** Everything earlier tests wrote, for the token check at the end. */
  const earlier: string[] = [];

  beforeAll(async () => {
    // Each simulator accepts only its own tenant's token: a token sent to the wrong tenant is a 401.
    sims.alpha = await startSimulator({
      tokens: [{ token: TOKENS.alpha, access: 'read-write' }],
      stores: ALPHA_STORES,
    });
    sims.beta = await startSimulator({ tokens: [{ token: TOKENS.beta, access: 'read-write' }] });
    hosts.alpha = new URL(sims.alpha.url).host;
    hosts.beta = new URL(sims.beta.url).host;
    await createBus(clients.eventBridge, busName);
    await createStateTable(clients.dynamoDb, tableName);
    const secrets = {
      alpha: await createSecret(clients.secretsManager, JSON.stringify({ token: TOKENS.alpha })),
      beta: await createSecret(clients.secretsManager, TOKENS.beta),
    };
    spy = await spyOnRule(clients, busName, uniqueName('workflow-spy'), { source: ['netskope.dspm'] });
    restoreEnv = useEnvironment({
      ...motoEnvironment(endpoint),
      // What the stack sets: the tenant list, no single-tenant variables.
      DSPM_TENANTS: JSON.stringify([
        { url: sims.alpha.url, tokenSecretId: secrets.alpha, rateLimitRps: 1000 },
        { url: sims.beta.url, tokenSecretId: secrets.beta, rateLimitRps: 1000 },
      ]),
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_PAGE_SIZE: '2',
      EVENT_BUS_NAME: busName,
      STATE_TABLE_NAME: tableName,
      POLL_LEASE_TTL_SECONDS: '120',
      // Every chunk stops after its first page, whatever the machine's speed.
      POLL_CHUNK_SECONDS: '0',
    });
    output = captureProcessOutput();
    // The module reads its environment when imported, as a Lambda cold start does.
    ({ handler } = await import('../../../functions/poll-data-stores.ts'));
  });

  beforeEach(async () => {
    await spy.drain();
    earlier.push(...output);
    output.length = 0;
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    restoreEnv();
    await sims.alpha?.close();
    await sims.beta?.close();
  });

  it('polls a tenant in chunks, chunk after chunk while it answers more, then finishes', async () => {
    // Act
    const steps = await runTenantBranch(handler, { tenant: hosts.alpha });
    // Assert: six pages of two, one page a chunk; the finish completes the poll.
    expect(steps.map((step) => step.status)).toEqual([...Array(5).fill('more'), 'listed', 'completed']);
    const chunks = steps.slice(0, -1);
    expect(chunks.map((step) => step.chunk)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(chunks.map((step) => step.received)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(chunks.every((step) => step.total === ALPHA_STORES)).toBe(true);
    const pollIds = new Set(steps.map((step) => step.pollId));
    expect(pollIds.size).toBe(1);
    expect(steps.at(-2)).toMatchObject({ status: 'listed', complete: true });
    expect(steps.at(-1)).toMatchObject({
      status: 'completed',
      tenant: hosts.alpha,
      complete: true,
      failed: 0,
      stores: { seen: ALPHA_STORES },
    });
    // One summary for the whole poll, on the bus; every store in the tenant's own partition.
    const summaries = (await spy.drain()).filter((e) => e['detail-type'] === 'dspm-poll-completed');
    expect(summaries.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        tenant: hosts.alpha,
        pollId: [...pollIds][0],
        complete: true,
        baseline: true,
      }),
    ]);
    expect((await state.loadStores(hosts.alpha)).size).toBe(ALPHA_STORES);
    expect(await state.loadCheckpoint(hosts.alpha)).toBeUndefined();
    // Metrics per tenant: the Tenant dimension on every record, chunk figures per chunk, the
    // poll's at finish.
    expect(metricRecords(output, 'PollChunks').map((r) => r.value)).toEqual(Array(6).fill(1));
    expect(metricRecords(output, 'PollsCompleted')).toEqual([
      { value: 1, tenant: hosts.alpha, dimensions: [['service', 'Tenant']] },
    ]);
    const requests = metricRecords(output, 'DspmRequests');
    expect(requests).toHaveLength(7);
    expect(requests.every((r) => r.tenant === hosts.alpha)).toBe(true);
    expect(requests.reduce((sum, r) => sum + (r.value as number), 0)).toBe(
      sims.alpha.requests.filter((r) => r.status === 200).length,
    );
  });

  it("polls the second tenant with its own token, into its own partition, without touching the first's", async () => {
    // Arrange
    const alphaBefore = await state.loadStores(hosts.alpha);
    sims.alpha.clearRequests();
    sims.beta.clearRequests();
    // Act
    const steps = await runTenantBranch(handler, { tenant: hosts.beta });
    // Assert: the guide's three stores, two pages.
    expect(steps.map((step) => step.status)).toEqual(['more', 'listed', 'completed']);
    expect(steps.at(-1)).toMatchObject({ tenant: hosts.beta, complete: true, stores: { seen: 3 } });
    expect(sims.alpha.requests).toEqual([]);
    expect(sims.beta.requests.length).toBeGreaterThan(0);
    expect(sims.beta.requests.every((r) => r.status === 200)).toBe(true);
    expect([...(await state.loadStores(hosts.beta)).keys()]).toEqual([1, 2, 3]);
    expect(await state.loadStores(hosts.alpha)).toEqual(alphaBefore);
    const events = await spy.drain();
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.detail.tenant === hosts.beta)).toBe(true);
    expect(metricRecords(output, 'PollsCompleted').map((r) => r.tenant)).toEqual([hosts.beta]);
  });

  it('skips a second run of a tenant while the first holds its lease, and the first goes on to the end', async () => {
    // Arrange: the first run's first chunk takes the lease and keeps it for its next step.
    const first = workflowRunId(hosts.alpha, 'execution-1');
    const second = workflowRunId(hosts.alpha, 'execution-2');
    const started = await runStep(handler, { step: 'chunk', tenant: hosts.alpha, runId: first });
    expect(started).toMatchObject({ status: 'more', chunk: 1 });
    // Act: another execution's branch of the same tenant.
    const chunk = await runStep(handler, { step: 'chunk', tenant: hosts.alpha, runId: second });
    const finish = await runStep(handler, { step: 'finish', tenant: hosts.alpha, runId: second });
    // Assert: both steps skipped (the workflow ends that branch without a failure), nothing published.
    expect(chunk).toEqual({ status: 'skipped', reason: 'lease-held', tenant: hosts.alpha, runId: second });
    expect(finish).toEqual({ status: 'skipped', reason: 'lease-held', tenant: hosts.alpha, runId: second });
    expect(metricRecords(output, 'PollSkippedLeaseHeld')).toEqual([
      { value: 1, tenant: hosts.alpha, dimensions: [['service', 'Tenant']] },
      { value: 1, tenant: hosts.alpha, dimensions: [['service', 'Tenant']] },
    ]);
    expect((await spy.drain()).filter((e) => e['detail-type'] === 'dspm-poll-completed')).toEqual([]);
    // The first run continues its own poll from chunk 2 and completes it.
    const rest = await runTenantBranch(handler, { tenant: hosts.alpha, runId: first });
    expect(rest.map((step) => step.chunk).filter(Boolean)).toEqual([2, 3, 4, 5, 6]);
    expect(rest.at(-1)).toMatchObject({ status: 'completed', pollId: started.pollId, complete: true });
  });

  it('refuses a tenant it is not configured for, naming the ones it is', async () => {
    const step = runStep(handler, { step: 'chunk', tenant: 'gamma.goskope.com', runId: 'execution/gamma' });
    await expect(step).rejects.toBeInstanceOf(UnknownTenantError);
    await expect(step).rejects.toThrow(
      `tenant "gamma.goskope.com" is not configured for this poller; configured: ${hosts.alpha}, ${hosts.beta} (DSPM_TENANTS)`,
    );
  });

  it.each([
    ['a missing runId', { step: 'chunk', tenant: 'x' }, /runId/],
    ['an unknown step', { step: 'start', tenant: 'x', runId: 'r' }, /step/],
    ['an extra field', { step: 'chunk', tenant: 'x', runId: 'r', offset: 4 }, /offset/],
    ['no object', 'poll', /the input/],
  ])('refuses an input with %s, naming what is wrong', async (_case, input, field) => {
    const step = handler(input, fakeContext('dspm-bridge-poller'));
    await expect(step).rejects.toBeInstanceOf(WorkflowTaskInputError);
    await expect(step).rejects.toThrow(field);
    await expect(step).rejects.toThrow(/expected \{"step": "chunk" \| "finish"/);
  });

  it('keeps both tokens out of every log line, metric and event', () => {
    const all = [...earlier, ...output].join('');
    expect(all).toContain('"_aws"');
    expect(all).not.toContain(TOKENS.alpha);
    expect(all).not.toContain(TOKENS.beta);
  });
});
