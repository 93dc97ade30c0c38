/**
 * Exceptions on AWS (moto): the CLI writes them to the state table with their audit in the audit
 * table (each entry beside the caller's verified STS identity), the poller Lambda applies them
 * chunk by chunk as the workflow runs it, and every event goes through real EventBridge rules to
 * SQS spies, one of them the pager's `"status": ["open"]` pattern.
 */
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DETAIL_TYPES, FINDING_DETAIL_TYPES } from '#shared/events/contract.ts';
import { DynamoDbExceptionStore } from '#shared/state/dynamodb-exceptions.ts';
import { exceptionSortKey, tenantPartition } from '#shared/state/table-design.ts';
import type { RunningSimulator } from '#simulator/server.ts';
import {
  captureProcessOutput,
  type fakeContext,
  type SpyQueue,
  spyOnRule,
  uniqueName,
} from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';
import { runTenantBranch } from '../../helpers/poll-workflow.ts';

const TOKEN = 'exception-aws-token-3e9a';
const GDPR = 1000004;

type Delivered = Awaited<ReturnType<SpyQueue['drain']>>[number];
const brief = (events: readonly Delivered[]) =>
  events
    .filter((e) => e['detail-type'] !== DETAIL_TYPES.pollCompleted)
    .map((e) => {
      const d = e.detail as {
        dataStore?: { id: number };
        status?: string;
        action?: string;
        by?: string | null;
      };
      return `${e['detail-type']} ${d.dataStore ? `${d.dataStore.id} ${d.status}` : `${d.action} ${d.by}`}`;
    })
    .sort();

describe('exceptions on AWS: the CLI, the chunked poller Lambda, EventBridge rules (moto)', () => {
  let bridge: MotoBridge<true>;
  let clients: MotoBridge['clients'];
  let tableName: string;
  let auditTableName: string;
  let sim: RunningSimulator;
  let env: MotoBridge['env'];
  let handler: (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<unknown>;
  let everything: SpyQueue;
  let pager: SpyQueue;
  let tenant: string;

  const cli = async (...argv: string[]) => {
    const run = await runCliCaptured(['exception', ...argv], env);
    expect(run.code, run.stderr).toBe(0);
    return run;
  };
  const poll = async () => {
    const steps = await runTenantBranch(handler, { tenant });
    // The workflow path: several chunks, then the finish.
    expect(steps.map((s) => s.status).slice(-3)).toEqual(['more', 'listed', 'completed']);
    return everything.drain();
  };

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'exc',
      simulator: { tokens: [{ token: TOKEN, access: 'read-write' }] },
      secret: JSON.stringify({ token: TOKEN }),
      auditTable: true,
      env: {
        DSPM_RATE_LIMIT_RPS: '1000',
        DSPM_PAGE_SIZE: '1',
        POLL_LEASE_TTL_SECONDS: '120',
        // Every chunk stops after its first page: the poll runs as the workflow's chunks.
        POLL_CHUNK_SECONDS: '0',
      },
    });
    ({ clients, sim, tenant, tableName, auditTableName, env } = bridge);
    const { busName } = bridge;
    everything = await spyOnRule(clients, busName, uniqueName('exc-all'), {
      source: ['netskope.dspm'],
      'detail-type': [...FINDING_DETAIL_TYPES, DETAIL_TYPES.exceptionChanged],
    });
    // What a subscriber that pages people matches: suppressed findings never reach it.
    pager = await spyOnRule(clients, busName, uniqueName('exc-pager'), {
      source: ['netskope.dspm'],
      'detail-type': [...FINDING_DETAIL_TYPES],
      detail: { status: ['open'] },
    });
    captureProcessOutput();
    ({ handler } = await import('../../../functions/poll-data-stores.ts'));
    sim.tenant.updateStore(2, { data_tags: [GDPR] });
    await poll();
    // The baseline's findings (store 1's encryption-off) are not this test's.
    await pager.drain();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge.close();
  });

  it('suppresses, expires and revokes through the rules, with a verified audit', async () => {
    // A rule on GDPR-tagged stores' encryption-off findings.
    const ruleRun = await cli(
      'add',
      '--condition',
      'encryption-off',
      '--data-tag',
      'GDPR',
      '--reason',
      'compensating-control',
      '--justification',
      'encrypted by the application',
      '--by',
      'alice',
      '--expires',
      'P90D',
    );
    const ruleId = /exc-[0-9a-f]{16}/.exec(ruleRun.stderr)?.[0] as string;
    expect(brief(await everything.drain())).toEqual(['finding-exception-changed created alice']);

    // The tagged store's finding opens suppressed; the untagged one's open, and only it pages.
    sim.tenant.updateStore(2, { encryption: 'Off' });
    sim.tenant.updateStore(3, { encryption: 'Off' });
    expect(brief(await poll())).toEqual([
      'data-store-finding-opened 2 suppressed',
      'data-store-finding-opened 3 open',
    ]);
    expect(brief(await pager.drain())).toEqual(['data-store-finding-opened 3 open']);

    // A finding exception on store 3: one -suppressed, which pages nobody.
    const singleRun = await cli(
      'add',
      '--finding',
      `${tenant}/data-store/3/finding/encryption-off`,
      '--reason',
      'false-positive',
      '--justification',
      'DSPM reads the wrong volume',
      '--by',
      'bob',
      '--expires',
      '30d',
    );
    const singleId = /exc-[0-9a-f]{16}/.exec(singleRun.stderr)?.[0] as string;
    await everything.drain();
    expect(brief(await poll())).toEqual(['data-store-finding-suppressed 3 suppressed']);
    expect(await pager.drain()).toEqual([]);

    // Its expiresAt passes (set in the past in the table): the next poll's chunks bring it back once.
    await DynamoDBDocumentClient.from(clients.dynamoDb).send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: tenantPartition(tenant), sk: exceptionSortKey(singleId) },
        UpdateExpression: 'SET #e.expiresAt = :past',
        ExpressionAttributeNames: { '#e': 'exception' },
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 60_000).toISOString() },
      }),
    );
    expect(brief(await poll())).toEqual([
      'data-store-finding-unsuppressed 3 open',
      'finding-exception-changed expired null',
    ]);
    expect(brief(await pager.drain())).toEqual(['data-store-finding-unsuppressed 3 open']);
    expect(brief(await poll())).toEqual([]);

    // Revoke the rule: store 2 comes back.
    await cli('revoke', ruleId, '--by', 'dave', '--justification', 'no longer encrypted by the application');
    expect(brief(await poll())).toEqual([
      'data-store-finding-unsuppressed 2 open',
      'finding-exception-changed revoked dave',
    ]);

    // The audit: each person's entry beside the identity AWS verified; the bridge's without one.
    const shown = JSON.parse((await cli('show', singleId, '--json')).stdout);
    expect(shown.audit).toEqual([
      expect.objectContaining({
        action: 'created',
        by: 'bob',
        verifiedIdentity: expect.stringMatching(/^arn:aws:/),
      }),
      { action: 'expired', at: expect.any(String) },
    ]);
    const rule = JSON.parse((await cli('show', ruleId, '--json')).stdout);
    expect(rule.audit.map((e: { action: string; by: string }) => [e.action, e.by])).toEqual([
      ['created', 'alice'],
      ['revoked', 'dave'],
    ]);
  });

  it('never overwrites an audit entry', async () => {
    // Arrange
    const store = new DynamoDbExceptionStore({
      client: DynamoDBDocumentClient.from(clients.dynamoDb),
      tableName,
      auditTableName,
    });
    const [first] = await store.listExceptions(tenant);
    const created = first?.audit.find((e) => e.action === 'created');
    expect(created).toBeDefined();
    // Act
    const rewritten = await store.appendAudit(tenant, {
      ...(created as NonNullable<typeof created>),
      by: 'mallory',
    });
    // Assert
    expect(rewritten).toBe(false);
    const [again] = await store.listExceptions(tenant);
    expect(again?.audit.find((e) => e.action === 'created')?.by).toBe(created?.by);
  });
});
