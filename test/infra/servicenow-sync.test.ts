/**
 * The ServiceNow decision sync in the synthesized template: present only when configured, on a
 * Scheduler schedule with its dead-letter and failed-run queues, one run at a time, its mapping
 * in the environment, an alarm on failed runs, and a role that may do what the code does.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

const SECRET = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:snow-AbCdEf';
const SERVICENOW = { instanceUrl: 'https://acme.service-now.com', credentialsSecretArn: SECRET };
const CLOSE_CODES = { 'Risk Accepted': { reason: 'risk-accepted', days: 90 } };

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('the ServiceNow decision sync', () => {
  const { template } = synthesize({ serviceNow: { ...SERVICENOW, sync: { closeCodes: CLOSE_CODES } } });
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const [syncId, sync] = Object.entries(resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ServiceNowSync'),
  ) as [string, Resource];

  it('is absent unless configured', () => {
    const { template: plain } = synthesize({ serviceNow: SERVICENOW });
    const ids = Object.keys(plain.findResources('AWS::Lambda::Function'));
    expect(ids.some((id) => id.startsWith('ServiceNowSync'))).toBe(false);
  });

  it('runs every 15 minutes, one run at a time, with the mapping and the table in its environment', () => {
    expect(syncId).toBeDefined();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Description: 'ServiceNow decisions -> exceptions',
    });
    expect(sync.Properties.ReservedConcurrentExecutions).toBe(1);
    const env = (sync.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com',
      SERVICENOW_TABLE: 'incident',
      SERVICENOW_SYNC_CLOSE_CODES: JSON.stringify(CLOSE_CODES),
      SERVICENOW_SYNC_OVERLAP_SECONDS: '120',
      SERVICENOW_SYNC_PAGE_SIZE: '100',
      SERVICENOW_SYNC_MAX_PAGES: '10',
    });
    expect(JSON.stringify(env)).not.toMatch(/password/i);
  });

  it('alarms on a failed run', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('ServiceNow decision sync failed a run'),
      MetricName: 'Errors',
    });
    const names = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(names.some((n) => n.startsWith('AlarmsServiceNowSyncFailedRunsDeadLetters'))).toBe(true);
  });

  it('may read its watermark and decisions, read the secret, write exceptions, publish and report a failed run, nothing more', () => {
    const role = (sync.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const actions = Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === role),
      )
      .flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
      )
      .flatMap((statement) => statement.Action);
    expect([...new Set(actions)].sort()).toEqual(
      [
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        // Lambda's on-failure destination: a failed run goes to the schedule's failed-runs queue.
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('names serviceNow.sync.closeCodes when the mapping is empty or a reason is unknown', () => {
    expect(() => synthesize({ serviceNow: { ...SERVICENOW, sync: { closeCodes: {} } } })).toThrow(
      /serviceNow\.sync\.closeCodes: must map at least one close code/,
    );
    expect(() =>
      synthesize({
        serviceNow: { ...SERVICENOW, sync: { closeCodes: { Accepted: { reason: 'ok', days: 9 } } } },
      }),
    ).toThrow(/serviceNow\.sync\.closeCodes\.Accepted\.reason/);
  });
});
