/**
 * The synthesized dashboard's body as CloudWatch receives it, and the metrics its widgets show.
 * CloudFormation joins the body from text and references (the region, alarm ARNs, queue names);
 * the references are replaced with plausible values so the text parses as the JSON it becomes.
 */
import type { Template } from 'aws-cdk-lib/assertions';

/** The region references resolve to. */
export const BODY_REGION = 'eu-west-1';

/** A metric a widget shows: namespace, name and every dimension. */
export interface ShownMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** The widget's title. */
  readonly widget: string;
}

/** The parsed body of the template's one dashboard. */
export function dashboardBody(
  template: Template,
): { widgets: Record<string, unknown>[] } & Record<string, unknown> {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  const body = (dashboards[0] as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody;
  return JSON.parse(resolved(body));
}

/** The text of a CloudFormation value, references replaced. */
function resolved(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(resolved).join(separator);
  }
  if ('Ref' in node) {
    const ref = node.Ref as string;
    if (ref === 'AWS::Region') return BODY_REGION;
    if (ref === 'AWS::StackName') return 'DspmBridge';
    if (ref === 'AWS::AccountId') return '111122223333';
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    return `ref-${ref}`;
  }
  if ('Fn::GetAtt' in node) {
    const [resource, attribute] = node['Fn::GetAtt'] as [string, string];
    return attribute === 'Arn'
      ? `arn:aws:cloudwatch:${BODY_REGION}:111122223333:alarm:${resource}`
      : `${resource}-${attribute}`;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value).slice(0, 200)}`);
}

/**
 * Every metric the body's metric widgets show, math expressions' inputs included. A metric entry
 * is `[namespace, name, dimension, value, ..., {options}?]`; an expression is `[{expression}]`.
 */
export function shownMetrics(body: { widgets: Record<string, unknown>[] }): ShownMetric[] {
  const shown: ShownMetric[] = [];
  for (const widget of body.widgets) {
    if (widget.type !== 'metric') continue;
    const properties = widget.properties as { title?: string; metrics: unknown[][] };
    for (const entry of properties.metrics) {
      const parts = entry.filter((part) => typeof part === 'string') as string[];
      if (parts.length === 0) continue;
      const [namespace, name, ...pairs] = parts as [string, string, ...string[]];
      const dimensions: Record<string, string> = {};
      for (let index = 0; index < pairs.length; index += 2)
        dimensions[pairs[index] as string] = pairs[index + 1] as string;
      shown.push({ namespace, name, dimensions, widget: properties.title ?? '' });
    }
  }
  return shown;
}
