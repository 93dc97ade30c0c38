/**
 * The dashboard in the synthesized template: there by default and gone with `dashboard: false`;
 * its body is what CloudWatch accepts (the widget structure of AWS's "Dashboard Body Structure and
 * Syntax": type, a place on the 24-unit grid, a region and at least one metric on every graph, 1
 * to 100 alarm ARNs on an alarm widget); and it cannot drift from the functions: every metric of
 * the bridge's namespace it shows is one of shared/aws/bridge-metrics.ts with exactly the
 * dimensions its function puts on it, and the function's code emits it through that list (no
 * metric is named by a literal anywhere). test/integration/infra/dashboard-metrics.test.ts runs
 * the poller and compares what it really emitted.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { METRIC_SOURCES, METRICS_NAMESPACE } from '#shared/aws/bridge-metrics.ts';
import { ConfigError } from '#shared/errors.ts';
import { readStackConfig } from '../../infra/config.ts';
import { REPOSITORY_ROOT } from '../helpers/cdk-cli.ts';
import { BODY_REGION, dashboardBody, shownMetrics } from '../helpers/dashboard-body.ts';
import { synthesize } from '../helpers/stack.ts';

const ALL_TARGETS = {
  slack: {
    botTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:slack-AbCdEf',
    channel: 'C1',
  },
  serviceNow: {
    instanceUrl: 'https://example.service-now.com',
    credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:snow-AbCdEf',
  },
  securityHub: true,
};

const TWO_TENANTS = {
  tenantUrl: undefined,
  tenants: [
    { tenantUrl: 'https://first.goskope.com', rateLimitRps: 8 },
    { tenantUrl: 'https://second.goskope.com', rateLimitRps: 3 },
  ],
};

/** A place on the grid (24 units wide). */
const placed = {
  x: z.number().int().min(0).max(23),
  y: z.number().int().min(0),
  width: z.number().int().min(1).max(24),
  height: z.number().int().min(1).max(1000),
};
/** `[namespace, name, dimension, value, ..., {options}?]` or `[{expression, ...}]`. */
const metricEntry = z.union([
  z
    .array(z.union([z.string().min(1), z.looseObject({})]))
    .min(2)
    .refine(
      (entry) => typeof entry[0] === 'string' && typeof entry[1] === 'string',
      'namespace and name first',
    )
    .refine(
      (entry) => entry.filter((part) => typeof part === 'string').length % 2 === 0,
      'dimensions come in name/value pairs',
    ),
  z.tuple([z.looseObject({ expression: z.string().min(1), id: z.string().optional() })]),
]);
const widgetSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('metric'),
    ...placed,
    properties: z.looseObject({
      region: z.string().min(1),
      metrics: z.array(metricEntry).min(1),
      title: z.string().min(1),
      view: z.enum(['timeSeries', 'singleValue', 'gauge', 'bar', 'pie', 'table']).optional(),
      stacked: z.boolean().optional(),
      period: z.number().int().min(60).multipleOf(60).optional(),
      annotations: z
        .looseObject({ horizontal: z.array(z.looseObject({ value: z.number() })).optional() })
        .optional(),
    }),
  }),
  z.strictObject({
    type: z.literal('alarm'),
    ...placed,
    properties: z.looseObject({
      alarms: z.array(z.string().startsWith('arn:aws:cloudwatch:')).min(1).max(100),
      title: z.string().min(1).optional(),
      sortBy: z.enum(['default', 'stateUpdatedTimestamp', 'timestamp']).optional(),
    }),
  }),
  z.strictObject({
    type: z.literal('text'),
    ...placed,
    properties: z.looseObject({ markdown: z.string().min(1) }),
  }),
]);
const bodySchema = z.looseObject({ widgets: z.array(widgetSchema).min(1).max(500) });

/** The exported name of each source's list, as the functions refer to it. */
const LIST_NAMES: Record<keyof typeof METRIC_SOURCES, string> = {
  poller: 'POLLER_METRICS',
  tagger: 'TAGGER_METRICS',
  coverage: 'COVERAGE_METRICS',
  serviceNow: 'SERVICENOW_METRICS',
  serviceNowSync: 'SERVICENOW_SYNC_METRICS',
  slack: 'SLACK_METRICS',
  securityHub: 'SECURITY_HUB_METRICS',
};

/** The registry entries a shown metric of the bridge's namespace matches (source and key). */
function registryMatches(metric: ReturnType<typeof shownMetrics>[number]) {
  return Object.entries(METRIC_SOURCES).flatMap(([source, spec]) =>
    Object.entries(spec.metrics as Record<string, { name: string; by?: string }>)
      .filter(([, definition]) => {
        if (spec.service !== metric.dimensions.service || definition.name !== metric.name) return false;
        const expected = ['service', ...spec.dimensions, ...(definition.by ? [definition.by] : [])].sort();
        return JSON.stringify(Object.keys(metric.dimensions).sort()) === JSON.stringify(expected);
      })
      .map(([key]) => ({ source: source as keyof typeof METRIC_SOURCES, key })),
  );
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the dashboard', () => {
  const everything = synthesize({ ...TWO_TENANTS, ...ALL_TARGETS });
  const body = dashboardBody(everything.template);
  const shown = shownMetrics(body);
  const ours = shown.filter((metric) => metric.namespace === METRICS_NAMESPACE);

  it('is in the stack by default, and one context key leaves it out', () => {
    expect(Object.keys(synthesize().template.findResources('AWS::CloudWatch::Dashboard'))).toHaveLength(1);
    expect(
      Object.keys(synthesize({ dashboard: false }).template.findResources('AWS::CloudWatch::Dashboard')),
    ).toHaveLength(0);
  });

  it('refuses a dashboard key that is not true or false, naming it', () => {
    expect(() => readStackConfig({ tenantUrl: 'https://example.goskope.com', dashboard: 'off' })).toThrow(
      ConfigError,
    );
    expect(() => readStackConfig({ tenantUrl: 'https://example.goskope.com', dashboard: 'off' })).toThrow(
      /context dspm-bridge\.dashboard: /,
    );
  });

  it("has a body CloudWatch accepts: each widget's structure, a region, no empty graph, on the grid", () => {
    const parsed = bodySchema.safeParse(body);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    for (const widget of body.widgets as {
      type: string;
      x: number;
      width: number;
      properties: { region?: string };
    }[]) {
      expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      if (widget.type === 'metric') expect(widget.properties.region).toBe(BODY_REGION);
    }
  });

  it('shows per tenant its poll, stores, DSPM calls and pace against its limit, and open findings', () => {
    const titles = (body.widgets as { properties: { title?: string } }[]).map(
      (w) => w.properties.title ?? '',
    );
    for (const host of ['first.goskope.com', 'second.goskope.com']) {
      for (const title of [
        'Poll duration against the interval',
        'Stores',
        'DSPM requests and 429s',
        "DSPM pace while polling against the tenant's limit",
        'Open findings by condition',
        'Open findings by severity',
        'Suppressed findings',
        'Exceptions expiring within 7 days',
      ])
        expect(titles).toContain(`${title} (${host})`);
      // The gauges exceptions brought, each tenant's own.
      for (const name of ['SuppressedFindings', 'ExceptionsExpiringSoon'])
        expect(
          ours.filter((metric) => metric.name === name && metric.dimensions.Tenant === host),
          `${name} of ${host}`,
        ).toHaveLength(1);
    }
    const pace = (host: string) =>
      (
        body.widgets as {
          properties: { title?: string; annotations?: { horizontal: { value: number }[] } };
        }[]
      ).find((w) => w.properties.title === `DSPM pace while polling against the tenant's limit (${host})`)
        ?.properties.annotations?.horizontal[0]?.value;
    expect([pace('first.goskope.com'), pace('second.goskope.com')]).toEqual([8, 3]);
    const interval = (
      body.widgets as { properties: { title?: string; annotations?: { horizontal: { value: number }[] } } }[]
    ).find((w) => w.properties.title === 'Poll duration against the interval (first.goskope.com)')?.properties
      .annotations?.horizontal[0]?.value;
    expect(interval).toBe(15 * 60 * 1000);
    for (const title of [
      'Stores by backup coverage (first.goskope.com)',
      'Dead-letter queue depths',
      'ServiceNow: records written and failed',
      'Slack: messages posted and failed',
      'Security Hub: findings imported and failed',
    ])
      expect(titles).toContain(title);
  });

  it('shows the state of every alarm of the stack', () => {
    const alarmIds = Object.keys(everything.template.findResources('AWS::CloudWatch::Alarm'));
    const shownAlarms = (body.widgets as { type: string; properties: { alarms?: string[] } }[])
      .filter((widget) => widget.type === 'alarm')
      .flatMap((widget) => widget.properties.alarms ?? [])
      .map((arn) => arn.split(':alarm:')[1]);
    expect(shownAlarms.sort()).toEqual(alarmIds.sort());
  });

  it('shows every dead-letter queue', () => {
    const queues = shown.filter((metric) => metric.name === 'ApproximateNumberOfMessagesVisible');
    expect(queues.map((metric) => metric.namespace)).toEqual(queues.map(() => 'AWS/SQS'));
    expect(queues.length).toBe(
      Object.keys(everything.template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
        id.includes('DeadLetters'),
      ).length,
    );
  });

  it('leaves out the targets that are off', () => {
    const titles = (dashboardBody(synthesize().template).widgets as { properties: { title?: string } }[]).map(
      (widget) => widget.properties.title ?? '',
    );
    expect(titles.filter((title) => /ServiceNow|Slack|Security Hub/.test(title))).toEqual([]);
  });

  it('shows only metrics a function emits: the namespace, name and dimensions of the one list', () => {
    expect(ours.length).toBeGreaterThan(30);
    const unknown = ours.filter((metric) => registryMatches(metric).length === 0);
    expect(unknown.map((metric) => `${metric.name} ${JSON.stringify(metric.dimensions)}`)).toEqual([]);
  });

  it("each shown metric is emitted by its function's code through that list", () => {
    const missing: string[] = [];
    for (const metric of ours) {
      for (const { source, key } of registryMatches(metric)) {
        const spec = METRIC_SOURCES[source];
        const code = readFileSync(join(REPOSITORY_ROOT, 'functions', spec.entry), 'utf8');
        const reference = `${LIST_NAMES[source]}.${key}`;
        const shared = key === 'tokenNotSet';
        if (!shared && !code.includes(reference)) missing.push(`${reference} in functions/${spec.entry}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('no code names a metric by a literal: every addMetric takes a name from the list', () => {
    const literal = /addMetric\(\s*['"`]/;
    const offenders = [join(REPOSITORY_ROOT, 'functions'), join(REPOSITORY_ROOT, 'shared')]
      .flatMap(sourceFiles)
      .filter((path) => literal.test(readFileSync(path, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
