/**
 * `dspm-bridge status` as a person runs it: after the demo's flow, from the state file it leaves
 * (the demo's stores, its open findings, the store left unprotected), as text that fits an
 * 80-column terminal and as JSON; and from DynamoDB state in moto, written by `poll --once` and
 * `backup-event`, with a poll in progress part-way through its listing; and with exceptions: the
 * findings they suppress and the one that expires within 7 days.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbStateStore } from '#shared/state/dynamodb-store.ts';
import { IdSet } from '#shared/state/id-set.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { ANALYTICS_ARN, backupJobEvent } from '../../../cli/demo/story.ts';
import {
  createStateTable,
  motoClients,
  motoEnvironment,
  uniqueName,
  useMotoEnvironment,
} from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';

const directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-status-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const longest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

describe('dspm-bridge status after the demo', () => {
  const stateFile = join(directory, 'demo-state.json');
  let demo: Awaited<ReturnType<typeof runCliCaptured>>;

  beforeAll(async () => {
    demo = await runCliCaptured(
      ['demo', '--out', join(directory, 'events.ndjson'), '--state', stateFile],
      {},
    );
  });

  it("shows the demo's stores, its open findings and the store left unprotected, in 80 columns", async () => {
    // Act
    const run = await runCliCaptured(['status', '--state', stateFile], {});
    // Assert
    expect(demo.code).toBe(0);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^tenant 127\.0\.0\.1:\d+\n/);
    expect(run.stdout).toMatch(/ last poll +\d{4}-\d\d-\d\d \d\d:\d\d UTC \([^)]*\), complete, took /);
    expect(run.stdout).toMatch(/3 seen, 2 changed, 1 discovered, 1 removed; 7 events\s+published/);
    expect(run.stdout).toMatch(/ poll now +none in progress\n/);
    expect(run.stdout).toMatch(/ stores +3 in the state \(and 1 removed from DSPM/);
    expect(run.stdout).toMatch(/ backups +1 unprotected, 1 protected, 1 unknown\n/);
    expect(run.stdout).toMatch(/ unprotected +store 4 analytics: LAST_JOB_FAILED since /);
    expect(run.stdout).toMatch(/ open findings 5\n/);
    expect(run.stdout).toMatch(/ high-risk +0 +0 +1 +0 +1\n/);
    expect(run.stdout).toMatch(/ encryption-off +0 +2 +0 +0 +2\n/);
    expect(run.stdout).toMatch(/ unprotected +0 +1 +0 +0 +1\n/);
    expect(run.stdout).toMatch(/ all +0 +4 +1 +0 +5\n/);
    expect(run.stdout).toMatch(/ expiring soon no exception expires within 7 days\n/);
    expect(longest(run.stdout)).toBeLessThanOrEqual(80);
    // The demo ends on the same report, indented within the same 80 columns.
    expect(demo.stderr).toMatch(/7\. Where the bridge stands now[^\n]*\n {2}tenant /);
    expect(demo.stderr).toContain('store 4 analytics: LAST_JOB_FAILED since');
    const report = demo.stderr.slice(demo.stderr.indexOf('7. Where')).split('\n\n')[0] ?? '';
    expect(longest(report.split('\n').slice(1).join('\n'))).toBeLessThanOrEqual(80);
  });

  it('--json prints the same facts for scripts', async () => {
    const run = await runCliCaptured(['status', '--state', stateFile, '--json'], {});
    expect(run.code).toBe(0);
    const { tenants } = JSON.parse(run.stdout);
    expect(tenants).toHaveLength(1);
    expect(tenants[0]).toMatchObject({
      lastPoll: { outcome: { complete: true, stores: { seen: 3, changed: 2, discovered: 1, removed: 1 } } },
      pollInProgress: null,
      stores: { inState: 3, removed: 1 },
      openFindings: {
        total: 5,
        byCondition: { 'high-risk': 1, 'encryption-off': 2, 'backup-off': 1, unprotected: 1 },
        bySeverity: { low: 0, medium: 4, high: 1, critical: 0 },
      },
      coverage: { protected: 1, unprotected: 1, unknown: 1, excluded: 0 },
      unprotected: [{ storeId: 4, name: 'analytics', reason: 'LAST_JOB_FAILED' }],
    });
    expect(tenants[0].openFindings.suppressed).toBe(0);
    expect(tenants[0].expiringSoon).toEqual([]);
  });

  it('fails naming a tenant the state does not hold, and answers --help and a bad flag', async () => {
    const missing = await runCliCaptured(
      ['status', '--state', stateFile, '--tenant', 'acme.goskope.com'],
      {},
    );
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/holds nothing of acme\.goskope\.com: never polled under that name/);
    const help = await runCliCaptured(['status', '--help'], {});
    expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: dspm-bridge status/) });
    expect(longest(help.stdout)).toBeLessThanOrEqual(80);
    const bad = await runCliCaptured(['status', '--tenants', 'x'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--tenants/);
    const empty = await runCliCaptured(['status', '--state', join(directory, 'none.json')], {});
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/holds no tenant yet: run a poll first/);
  });
});

describe('dspm-bridge status with exceptions', () => {
  const TOKEN = 'status-exceptions-token-2b7c';
  const stateFile = join(directory, 'exceptions-state.json');
  const events = join(directory, 'exceptions-events.ndjson');
  let sim: RunningSimulator;
  let env: Record<string, string>;
  let soonId: string;

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [{ token: TOKEN, access: 'read-write' }] });
    env = {
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '100',
    };
    const poll = ['poll', '--once', '--state', stateFile, '--events', events];
    expect((await runCliCaptured(poll, env)).code).toBe(0);
    const add = (...flags: string[]) =>
      runCliCaptured(
        [
          'exception',
          'add',
          ...flags,
          '--reason',
          'compensating-control',
          '--state',
          stateFile,
          '--events',
          events,
        ],
        env,
      );
    // One that covers every encryption-off finding and ends in 3 days; one that ends in 90.
    const soon = await add(
      '--condition',
      'encryption-off',
      '--justification',
      'encrypted by the app',
      '--by',
      'alice',
      '--expires',
      '3d',
    );
    expect(soon.code).toBe(0);
    const later = await add(
      '--condition',
      'public-access',
      '--store',
      '999999',
      '--justification',
      'a store to come',
      '--by',
      'bob',
      '--expires',
      '90d',
    );
    expect(later.code).toBe(0);
    const list = await runCliCaptured(['exception', 'list', '--json', '--state', stateFile], env);
    soonId = (JSON.parse(list.stdout) as { exceptionId: string; requestedBy: string }[]).find(
      (exception) => exception.requestedBy === 'alice',
    )?.exceptionId as string;
    // The next poll applies them: the covered findings stay open, suppressed.
    expect((await runCliCaptured(poll, env)).code).toBe(0);
  });

  afterAll(async () => {
    await sim.close();
  });

  it('--json counts the suppressed findings and lists the exception expiring within 7 days', async () => {
    const run = await runCliCaptured(['status', '--state', stateFile, '--json'], env);
    expect(run.code).toBe(0);
    const [status] = JSON.parse(run.stdout).tenants;
    const encryptionOff = status.openFindings.byCondition['encryption-off'];
    expect(encryptionOff).toBeGreaterThan(0);
    expect(status.openFindings.suppressed).toBe(encryptionOff);
    expect(status.expiringSoon).toEqual([
      {
        exceptionId: soonId,
        reason: 'compensating-control',
        expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        requestedBy: 'alice',
        scope: { condition: 'encryption-off' },
      },
    ]);
    const days = (Date.parse(status.expiringSoon[0].expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2);
    expect(days).toBeLessThanOrEqual(3);
  });

  it('shows them as text in 80 columns', async () => {
    const run = await runCliCaptured(['status', '--state', stateFile], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ open findings \d+ \((\d+) of them suppressed by exceptions\)\n/);
    expect(run.stdout).toContain(`  expiring soon ${soonId} compensating-control, expires `);
    expect(run.stdout).toMatch(/\(in 3 days\), requested by\s+alice\n/);
    expect(run.stdout).not.toContain('bob');
    expect(longest(run.stdout)).toBeLessThanOrEqual(80);
  });
});

describe('dspm-bridge status on DynamoDB state', () => {
  const endpoint = inject('motoEndpoint');
  const TOKEN = 'status-dynamodb-token-6e1f';
  let sim: RunningSimulator;
  let env: Record<string, string>;
  let tableName: string;
  let tenant: string;
  let restore: () => void;

  beforeAll(async () => {
    // The CLI's AWS clients read the process's environment, as they do in a terminal.
    restore = useMotoEnvironment(endpoint);
    sim = await startSimulator({ tokens: [{ token: TOKEN, access: 'read-write' }] });
    tenant = new URL(sim.url).host;
    tableName = uniqueName('status-state');
    await createStateTable(motoClients(endpoint).dynamoDb, tableName);
    env = {
      ...motoEnvironment(endpoint),
      STATE_TABLE_NAME: tableName,
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: TOKEN,
      DSPM_ALLOW_ANY_HOST: 'true',
      DSPM_RATE_LIMIT_RPS: '100',
    };
    const events = join(directory, 'dynamodb-events.ndjson');
    expect((await runCliCaptured(['poll', '--once', '--events', events], env)).code).toBe(0);
    sim.tenant.addStore({
      name: 'analytics',
      endpoint: 'analytics.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/warehouse',
      service_id: 5,
      infrastructure_connection_id: 1,
      account_id: '123456789012',
      region: 'us-west-2',
    });
    expect((await runCliCaptured(['poll', '--once', '--events', events], env)).code).toBe(0);
    const failed = join(directory, 'failed-job.json');
    writeFileSync(failed, JSON.stringify(backupJobEvent('FAILED', new Date(), ANALYTICS_ARN)));
    const tagged = await runCliCaptured(['backup-event', failed, '--events', events], env);
    expect(tagged.code).toBe(0);
  });

  afterAll(async () => {
    restore();
    await sim.close();
  });

  it('reads the table: the last poll, the stores and the unprotected one', async () => {
    const run = await runCliCaptured(['status', '--json'], env);
    expect(run.code).toBe(0);
    const [status] = JSON.parse(run.stdout).tenants;
    expect(status).toMatchObject({
      tenant,
      lastPoll: { outcome: { complete: true, stores: { seen: 4, discovered: 1 } } },
      stores: { inState: 4, removed: 0 },
      coverage: { unprotected: 1 },
      unprotected: [{ name: 'analytics', reason: 'LAST_JOB_FAILED' }],
    });
    expect(status.openFindings.byCondition.unprotected).toBe(1);
  });

  it('shows a poll in progress and how far its listing is', async () => {
    // Arrange: a run that listed two of four stores over two chunks, as its checkpoint says.
    const state = new DynamoDbStateStore({ client: motoClients(endpoint).dynamoDb, tableName });
    const startedAt = new Date().toISOString();
    await state.saveCheckpoint(tenant, {
      pollId: 'poll-in-progress',
      startedAt,
      chunk: 2,
      baseline: false,
      listing: {
        state: 'listing',
        nextOffset: 2,
        total: 4,
        pages: 2,
        duplicates: 0,
        complete: false,
        stalledChunks: 0,
      },
      seen: IdSet.from([1, 2]),
      totals: {
        counts: { seen: 2, discovered: 0, changed: 0, removed: 0, unchanged: 2 },
        events: 0,
        failed: 0,
        refusedStores: 0,
        stale: 0,
      },
      dspm: { requests: 6, retries: 0, throttled: 0 },
    });
    // Act
    const text = await runCliCaptured(['status', '--tenant', tenant], env);
    const json = await runCliCaptured(['status', '--tenant', tenant, '--json'], env);
    // Assert
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ poll now +began [^;]*, 2 chunks so far; 2 of 4\s+stores listed \(50%\)\n/);
    expect(longest(text.stdout)).toBeLessThanOrEqual(80);
    expect(JSON.parse(json.stdout).tenants[0].pollInProgress).toEqual({
      pollId: 'poll-in-progress',
      startedAt,
      chunks: 2,
      listing: 'listing',
      seen: 2,
      total: 4,
    });
    await state.clearCheckpoint(tenant, 'poll-in-progress');
  });

  it('needs --tenant when the table is read and the environment names no tenant', async () => {
    const { DSPM_TENANT_URL: _url, ...withoutTenant } = env;
    const run = await runCliCaptured(['status'], withoutTenant);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--tenant HOST is needed: the state is in STATE_TABLE_NAME/);
  });
});
