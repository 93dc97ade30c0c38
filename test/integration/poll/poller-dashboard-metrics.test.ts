/**
 * The dashboard against what the poller really emits: the poller Lambda's handler polls the
 * simulator with its state in moto, its embedded-metric-format output is read back, and every
 * poller metric the synthesized dashboard shows for that tenant must be among the records it
 * wrote, with the same namespace, name and dimensions (values included). Its gauges add up: the
 * stores in the state are the stores listed, and open findings by condition and by severity
 * count the same findings; an incomplete poll emits none of them. With exceptions in the table,
 * the suppressed findings are those the exception covers and the exceptions expiring within 7
 * days are the one that ends in 3 (not the one that ends in 90 days).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRIC_SOURCES, METRICS_NAMESPACE } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import type { FindingCondition } from '#shared/events/detail-types.ts';
import { createException } from '#shared/exceptions/create-exception.ts';
import { DynamoDbExceptionStore } from '#shared/state/dynamodb-exceptions.ts';
import type { RunningSimulator } from '#simulator/server.ts';
import { BridgeDashboard } from '../../../infra/constructs/bridge-dashboard.ts';
import { captureProcessOutput, type fakeContext } from '../../helpers/aws.ts';
import { dashboardBody, shownMetrics } from '../../helpers/dashboard-body.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';
import { runTenantBranch } from '../../helpers/poll-workflow.ts';
import { RecordingSink } from '../../helpers/recording-sink.ts';

const TOKEN = 'dashboard-metrics-token-8c41d2';

/** One metric value an EMF record carried: namespace, name, its dimensions and the value. */
interface EmittedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly value: number;
}

/** Every metric value in the captured output's EMF records. */
function emittedMetrics(output: readonly string[]): EmittedMetric[] {
  const emitted: EmittedMetric[] = [];
  for (const line of output.join('').split('\n')) {
    if (!line.includes('"_aws"')) continue;
    const record = JSON.parse(line) as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    };
    for (const directive of record._aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        const dimensions = Object.fromEntries(set.map((key) => [key, String(record[key])]));
        for (const { Name } of directive.Metrics) {
          const raw = record[Name];
          for (const value of Array.isArray(raw) ? raw : [raw])
            emitted.push({ namespace: directive.Namespace, name: Name, dimensions, value: Number(value) });
        }
      }
    }
  }
  return emitted;
}

const keyOf = (metric: { namespace: string; name: string; dimensions: Record<string, string> }) =>
  `${metric.namespace} ${metric.name} ${JSON.stringify(Object.entries(metric.dimensions).sort())}`;

describe('the dashboard against the poller Lambda', () => {
  let bridge: MotoBridge<true>;
  let sim: RunningSimulator;
  let output: string[] = [];
  let tenant: string;
  let emitted: EmittedMetric[];
  let excepted: FindingCondition;

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'dashboard',
      simulator: { tokens: [{ token: TOKEN, access: 'read-write' }] },
      secret: JSON.stringify({ token: TOKEN }),
      auditTable: true,
      env: { DSPM_RATE_LIMIT_RPS: '1000' },
    });
    ({ sim, tenant } = bridge);
    const { tableName, auditTableName } = bridge;
    output = captureProcessOutput();
    const { handler } = (await import('../../../functions/poll-data-stores.ts')) as {
      handler: (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<unknown>;
    };
    // A baseline, then a poll after a store is gone: every figure of a complete poll, removals too.
    await runTenantBranch(handler, { tenant });
    // Exceptions before the second poll: one covering every open finding of the baseline's most
    // common condition that ends in 3 days, one covering nothing open that ends in 90.
    const baseline = emittedMetrics(output).filter(
      (m) => m.name === 'OpenFindings' && 'Condition' in m.dimensions,
    );
    const most = baseline.reduce((a, b) => (b.value > a.value ? b : a));
    excepted = most.dimensions.Condition as FindingCondition;
    const store = new DynamoDbExceptionStore({
      client: createAwsClients().dynamoDb,
      tableName,
      auditTableName,
    });
    const ports = { store, sink: new RecordingSink(), events: { source: 'netskope.dspm', test: true } };
    const request = {
      tenant,
      reason: 'compensating-control',
      justification: 'handled by a control outside DSPM',
      requestedBy: 'alice',
      source: 'cli',
    } as const;
    await createException(ports, { ...request, scope: { condition: excepted }, expires: '3d' }, new Date());
    await createException(
      ports,
      { ...request, scope: { condition: excepted, dataStoreIds: [999_999] }, expires: '90d' },
      new Date(),
    );
    sim.tenant.removeStore(2);
    await runTenantBranch(handler, { tenant });
    // An incomplete poll (the total moves while it lists): it counts nothing.
    sim.faults.add({ kind: 'total-mismatch', match: { route: 'data_stores/connected' } });
    await runTenantBranch(handler, { tenant });
    sim.faults.clear();
    vi.restoreAllMocks();
    emitted = emittedMetrics(output);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge.close();
  });

  it("emits every poller metric the dashboard shows for the tenant, with the dashboard's dimensions", () => {
    // Arrange: the dashboard for this very tenant (as the stack builds it; the whole stack takes
    // too long to synthesize here), so the Tenant dimension's value is the simulator's host.
    const stack = new Stack(new App(), 'DashboardOnly');
    new BridgeDashboard(stack, 'Dashboard', {
      tenants: [{ host: tenant, rateLimitRps: 5 }],
      pollIntervalMinutes: 15,
      alarms: [],
      deadLetterQueues: {},
      targets: { serviceNow: false, slack: false, securityHub: false },
    });
    const template = Template.fromStack(stack);
    const shown = shownMetrics(dashboardBody(template)).filter(
      (metric) =>
        metric.namespace === METRICS_NAMESPACE && metric.dimensions.service === METRIC_SOURCES.poller.service,
    );
    // Act
    const emittedKeys = new Set(emitted.map(keyOf));
    // Assert
    expect(shown.length).toBeGreaterThan(15);
    expect(shown.every((metric) => metric.dimensions.Tenant === tenant)).toBe(true);
    expect(shown.map(keyOf).filter((key) => !emittedKeys.has(key))).toEqual([]);
  });

  it('counts the stores in the state and the open findings of the last complete poll', () => {
    const last = (name: string, dimensions: Record<string, string> = {}) =>
      emitted
        .filter(
          (metric) =>
            metric.name === name &&
            metric.dimensions.Tenant === tenant &&
            Object.entries(dimensions).every(([key, value]) => metric.dimensions[key] === value),
        )
        .at(-1)?.value;
    const listed = sim.tenant.listStores().length;
    // Three polls, two complete: the incomplete one left the gauges alone.
    expect(emitted.filter((m) => m.name === 'PollsCompleted').map((m) => m.value)).toEqual([1, 1, 0]);
    expect(emitted.filter((m) => m.name === 'StoresTracked')).toHaveLength(2);
    expect(last('StoresTracked')).toBe(listed);
    expect(last('StoresSeen')).toBe(listed);
    expect(emitted.filter((m) => m.name === 'StoresRemoved').map((m) => m.value)).toEqual([0, 1, 0]);
    const lastBreakdown = (by: string) => {
      const values = new Map<string, number>();
      for (const metric of emitted)
        if (metric.name === 'OpenFindings' && metric.dimensions.Tenant === tenant && by in metric.dimensions)
          values.set(metric.dimensions[by] as string, metric.value);
      return values;
    };
    const byCondition = lastBreakdown('Condition');
    const bySeverity = lastBreakdown('Severity');
    expect([...byCondition.keys()].sort()).toEqual([
      'backup-off',
      'encryption-off',
      'high-risk',
      'public-access',
    ]);
    expect([...bySeverity.keys()].sort()).toEqual(['critical', 'high', 'low', 'medium']);
    const total = (values: Map<string, number>) => [...values.values()].reduce((a, b) => a + b, 0);
    expect(total(byCondition)).toBeGreaterThan(0);
    expect(total(bySeverity)).toBe(total(byCondition));
  });

  it('counts the findings exceptions suppress and the exceptions expiring within 7 days', () => {
    const values = (name: string) =>
      emitted.filter((m) => m.name === name && m.dimensions.Tenant === tenant).map((m) => m.value);
    const openOfExcepted = emitted
      .filter((m) => m.name === 'OpenFindings' && m.dimensions.Condition === excepted)
      .map((m) => m.value);
    // Suppressed: a gauge of complete polls (none before the exceptions, then every open finding
    // of the excepted condition, which stay open).
    expect(openOfExcepted.at(-1)).toBeGreaterThan(0);
    expect(values('SuppressedFindings')).toEqual([0, openOfExcepted.at(-1)]);
    // Expiring: every finish, the incomplete one too; only the exception that ends in 3 days.
    expect(values('ExceptionsExpiringSoon')).toEqual([0, 1, 1]);
  });
});
