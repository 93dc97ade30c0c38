/**
 * The bridge's CloudWatch dashboard: what an operator asks every morning, on one page. Alarms
 * first, then one row of graphs per tenant (the poll against its interval, the stores, DSPM calls
 * and their pace against the tenant's limit, open findings), then what is not per tenant (backup
 * coverage, dead-letter queues, the targets). Every metric of the bridge's own namespace comes out
 * of shared/aws/bridge-metrics.ts, the list the functions emit from, so a graph cannot show a
 * metric no function emits (test/infra/dashboard.test.ts). The widget list: docs/operations.md.
 */
import { Aws, CfnOutput, Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  AlarmStatusWidgetSortBy,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  COVERAGE_METRICS,
  METRIC_SOURCES,
  METRICS_NAMESPACE,
  type MetricDefinition,
  POLLER_METRICS,
  SECURITY_HUB_METRICS,
  SERVICENOW_METRICS,
  SLACK_METRICS,
} from '#shared/aws/bridge-metrics.ts';
import { POLL_CONDITIONS } from '#shared/findings/conditions.ts';
import { FINDING_SEVERITY_NAMES } from '#shared/findings/severities.ts';

/** A tenant as the dashboard shows it. */
export interface DashboardTenant {
  readonly host: string;
  /** The tenant's global rate limit (requests/s): the line the poller's pace is drawn against. */
  readonly rateLimitRps: number;
}

/** Props of the dashboard. */
export interface BridgeDashboardProps {
  /** The tenants in the configured order; the first is the tagger's and the sweep's. */
  readonly tenants: readonly DashboardTenant[];
  readonly pollIntervalMinutes: number;
  /** Every alarm of the stack, shown by state. */
  readonly alarms: readonly IAlarm[];
  /** Every dead-letter queue, by the name its alarm uses. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** The targets that are on: each gets its delivered and failed counts. */
  readonly targets: { readonly serviceNow: boolean; readonly slack: boolean; readonly securityHub: boolean };
}

/** The grid is 24 units wide. */
const GRID = 24;
/** An alarm status widget holds at most 100 alarms. */
const ALARMS_PER_WIDGET = 100;

type Source = keyof typeof METRIC_SOURCES;

/** The dashboard and its console address. */
export class BridgeDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: BridgeDashboardProps) {
    super(scope, id);
    const interval = Duration.minutes(props.pollIntervalMinutes);
    // Dashboards are global in an account: the stack's name and region keep two stacks apart.
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Aws.STACK_NAME}-${Aws.REGION}`,
      start: '-P1D',
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: [
          '# dspm-bridge',
          `Polls every ${props.pollIntervalMinutes} min. Gauges (stores, open findings, coverage) come from the last complete poll or sweep. What each graph means: docs/operations.md, "Dashboard".`,
        ].join('\n\n'),
        width: GRID,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(...alarmWidgets(props.alarms));
    for (const tenant of props.tenants) this.dashboard.addWidgets(...tenantRow(tenant, interval));
    const first = props.tenants[0];
    this.dashboard.addWidgets(
      ...[
        first ? coverageWidget(first.host) : undefined,
        deadLetterWidget(props.deadLetterQueues),
        ...targetWidgets(props.targets),
      ].filter((widget): widget is GraphWidget => widget !== undefined),
    );
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`,
      description: 'The bridge at a glance: alarms, polls, findings, coverage, queues, targets',
    });
  }
}

/** A metric of the bridge's namespace, as its function emits it (shared/aws/bridge-metrics.ts). */
export function bridgeMetric(
  source: Source,
  definition: MetricDefinition,
  options: {
    readonly tenant?: string;
    /** The breakdown's value, for a metric with `by`. */
    readonly value?: string;
    readonly statistic: string;
    readonly period: Duration;
    readonly label?: string;
  },
): Metric {
  const { service, dimensions } = METRIC_SOURCES[source];
  const dimensionsMap: Record<string, string> = { service };
  if ((dimensions as readonly string[]).includes('Tenant')) {
    if (!options.tenant) throw new Error(`${definition.name} of ${service} needs a tenant`);
    dimensionsMap.Tenant = options.tenant;
  }
  if (definition.by) {
    if (!options.value)
      throw new Error(`${definition.name} is broken down by ${definition.by}: give a value`);
    dimensionsMap[definition.by] = options.value;
  }
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: definition.name,
    dimensionsMap,
    statistic: options.statistic,
    period: options.period,
    label: options.label ?? options.value ?? definition.name,
  });
}

/** The alarms by state, worst first, up to 100 a widget. */
function alarmWidgets(alarms: readonly IAlarm[]): IWidget[] {
  const widgets: IWidget[] = [];
  for (let from = 0; from < alarms.length; from += ALARMS_PER_WIDGET) {
    widgets.push(
      new AlarmStatusWidget({
        title: from === 0 ? 'Alarms' : `Alarms (${from + 1}-)`,
        alarms: alarms.slice(from, from + ALARMS_PER_WIDGET),
        sortBy: AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: GRID,
        height: 4,
      }),
    );
  }
  return widgets;
}

/** One tenant's graphs: its poll, stores, DSPM calls and pace, open findings. */
function tenantRow(tenant: DashboardTenant, interval: Duration): IWidget[] {
  const poller = (
    definition: MetricDefinition,
    statistic: string,
    extra: { value?: string; label?: string; period?: Duration } = {},
  ) =>
    bridgeMetric('poller', definition, {
      tenant: tenant.host,
      statistic,
      period: extra.period ?? interval,
      ...(extra.value ? { value: extra.value } : {}),
      ...(extra.label ? { label: extra.label } : {}),
    });
  const on = `(${tenant.host})`;
  const minute = Duration.minutes(1);
  return [
    new GraphWidget({
      title: `Poll duration against the interval ${on}`,
      left: [poller(POLLER_METRICS.pollDuration, 'Maximum', { label: 'poll duration (ms)' })],
      leftAnnotations: [{ value: interval.toMilliseconds(), label: 'poll interval' }],
      right: [poller(POLLER_METRICS.chunksPerPoll, 'Maximum', { label: 'chunks per poll' })],
      width: 8,
    }),
    new GraphWidget({
      title: `Stores ${on}`,
      left: [
        poller(POLLER_METRICS.storesSeen, 'Maximum', { label: 'seen' }),
        poller(POLLER_METRICS.storesTracked, 'Maximum', { label: 'in the state' }),
      ],
      right: [
        poller(POLLER_METRICS.storesChanged, 'Sum', { label: 'changed (any kind)' }),
        poller(POLLER_METRICS.storesDiscovered, 'Sum', { label: 'discovered' }),
        poller(POLLER_METRICS.storesRemoved, 'Sum', { label: 'removed' }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: `DSPM requests and 429s ${on}`,
      left: [poller(POLLER_METRICS.dspmRequests, 'Sum', { label: 'requests' })],
      right: [poller(POLLER_METRICS.dspmThrottles, 'Sum', { label: '429 answers' })],
      width: 8,
    }),
    new GraphWidget({
      title: `DSPM pace while polling against the tenant's limit ${on}`,
      left: [
        new MathExpression({
          // Requests per second of chunk time: the pace the poller kept while it ran.
          expression: '1000 * requests / FILL(chunkMs, 1)',
          usingMetrics: {
            requests: poller(POLLER_METRICS.dspmRequests, 'Sum', { period: minute }),
            chunkMs: poller(POLLER_METRICS.chunkDuration, 'Sum', { period: minute }),
          },
          label: 'requests/s',
          period: minute,
        }),
      ],
      leftAnnotations: [{ value: tenant.rateLimitRps, label: 'tenant limit' }],
      width: 8,
    }),
    new GraphWidget({
      title: `Open findings by condition ${on}`,
      left: POLL_CONDITIONS.map((condition) =>
        poller(POLLER_METRICS.openFindingsByCondition, 'Maximum', { value: condition }),
      ),
      stacked: true,
      width: 8,
    }),
    new GraphWidget({
      title: `Open findings by severity ${on}`,
      left: FINDING_SEVERITY_NAMES.map((severity) =>
        poller(POLLER_METRICS.openFindingsBySeverity, 'Maximum', { value: severity }),
      ),
      stacked: true,
      width: 8,
    }),
    // Beside the open findings: how many of them people's exceptions silence (still open).
    new GraphWidget({
      title: `Suppressed findings ${on}`,
      left: [poller(POLLER_METRICS.suppressedFindings, 'Maximum', { label: 'open, suppressed' })],
      width: 4,
    }),
    new GraphWidget({
      title: `Exceptions expiring within 7 days ${on}`,
      left: [poller(POLLER_METRICS.exceptionsExpiringSoon, 'Maximum', { label: 'expiring' })],
      width: 4,
    }),
  ];
}

/** Stores by backup coverage after each sweep (the first tenant's: the sweep works on it). */
function coverageWidget(host: string): GraphWidget {
  const hour = Duration.hours(1);
  const coverage = (definition: MetricDefinition, label: string) =>
    bridgeMetric('coverage', definition, { statistic: 'Maximum', period: hour, label });
  return new GraphWidget({
    title: `Stores by backup coverage (${host})`,
    left: [
      coverage(COVERAGE_METRICS.unprotected, 'unprotected'),
      coverage(COVERAGE_METRICS.protected, 'protected'),
      coverage(COVERAGE_METRICS.unknown, 'unknown'),
      coverage(COVERAGE_METRICS.excluded, 'excluded'),
    ],
    width: 8,
  });
}

/** Messages waiting in each dead-letter queue. */
function deadLetterWidget(queues: Readonly<Record<string, IQueue>>): GraphWidget | undefined {
  const metrics: IMetric[] = Object.entries(queues).map(([name, queue]) =>
    queue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: Duration.minutes(5),
      label: name,
    }),
  );
  if (metrics.length === 0) return undefined;
  return new GraphWidget({ title: 'Dead-letter queue depths', left: metrics, width: 8 });
}

/** Delivered and failed counts of each target that is on. */
function targetWidgets(targets: BridgeDashboardProps['targets']): GraphWidget[] {
  const hour = Duration.hours(1);
  const sum = (source: Source, definition: MetricDefinition, label: string) =>
    bridgeMetric(source, definition, { statistic: 'Sum', period: hour, label });
  const widgets: GraphWidget[] = [];
  if (targets.serviceNow)
    widgets.push(
      new GraphWidget({
        title: 'ServiceNow: records written and failed',
        left: [
          sum('serviceNow', SERVICENOW_METRICS.recordsCreated, 'created'),
          sum('serviceNow', SERVICENOW_METRICS.recordsUpdated, 'updated'),
          sum('serviceNow', SERVICENOW_METRICS.recordsResolved, 'resolved'),
          sum('serviceNow', SERVICENOW_METRICS.recordsSuppressed, 'suppressed'),
        ],
        right: [sum('serviceNow', SERVICENOW_METRICS.findingEventsFailed, 'failed')],
        width: 8,
      }),
    );
  if (targets.slack)
    widgets.push(
      new GraphWidget({
        title: 'Slack: messages posted and failed',
        left: [sum('slack', SLACK_METRICS.posted, 'posted')],
        right: [sum('slack', SLACK_METRICS.failed, 'failed')],
        width: 8,
      }),
    );
  if (targets.securityHub)
    widgets.push(
      new GraphWidget({
        title: 'Security Hub: findings imported and failed',
        left: [sum('securityHub', SECURITY_HUB_METRICS.imported, 'imported')],
        right: [sum('securityHub', SECURITY_HUB_METRICS.failed, 'failed')],
        width: 8,
      }),
    );
  return widgets;
}
