/**
 * What happens when a run fails: EventBridge Scheduler invokes the sweep asynchronously, so its
 * retries are Lambda's (bounded here) and a run that keeps failing goes to an on-failure queue;
 * the poller runs inside the poll workflow, which retries and fails the execution itself
 * (test/infra/poll-workflow.test.ts); and the alarms that say a part has stopped working before a
 * dead-letter queue fills.
 */
import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/stack.ts';

type Resources = Record<string, { Properties: Record<string, unknown> }>;

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function idOf(template: ReturnType<typeof synthesize>['template'], type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] as string;
}

describe('failure paths of the stack', () => {
  const { template } = synthesize({ pollIntervalMinutes: 20, pollSchedule: 'rate(20 minutes)' });

  it.each([['Coverage', 'CoverageScheduleFailedRuns', 3600]])(
    'retries a failed %s run once, while younger than one interval, then sends it to a queue',
    (fn, queue, age) => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: idOf(template, 'AWS::Lambda::Function', fn) },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: age,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [idOf(template, 'AWS::SQS::Queue', queue), 'Arn'] } },
        },
      });
    },
  );

  it('leaves the tagger to its queue and the poller to the workflow (no async config for either)', () => {
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
  });

  it('alarms when a run lands in a failed-runs queue', () => {
    for (const queue of ['CoverageScheduleFailedRuns']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [idOf(template, 'AWS::SQS::Queue', queue), 'QueueName'] },
          },
        ],
        Threshold: 1,
      });
    }
  });

  it("alarms when a backup event has waited half an hour in the tagger's queue", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [idOf(template, 'AWS::SQS::Queue', 'BackupIntakeQueue'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 1800,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on tagger batch item failures in two periods running, on the metric the tagger emits', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BackupEventsFailed',
      Namespace: 'DspmBridge',
      Dimensions: [{ Name: 'service', Value: 'dspm-bridge-tagger' }],
      Period: 900,
      EvaluationPeriods: 2,
      Threshold: 1,
    });
  });

  it('alarms when two of the last three polls were incomplete', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IncompletePolls',
      // CloudFormation lists dimensions sorted by name.
      Dimensions: [
        { Name: 'Tenant', Value: 'example.goskope.com' },
        { Name: 'service', Value: 'dspm-bridge-poller' },
      ],
      Period: 1200,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 1,
    });
  });

  it('alarms when no sweep completed in two sweep intervals, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SweepsCompleted',
      Dimensions: [{ Name: 'service', Value: 'dspm-bridge-coverage' }],
      Period: 7200,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms when any function finds the token not set, naming the secret and the command', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm') as Resources;
    const id = idOf(template, 'AWS::CloudWatch::Alarm', 'AlarmsexamplegoskopecomTokenNotSet');
    const alarm = alarms[id]?.Properties as {
      AlarmDescription: unknown;
      Metrics: { Id: string; MetricStat?: unknown }[];
    };
    const description = JSON.stringify(alarm.AlarmDescription);
    expect(description).toContain('aws secretsmanager put-secret-value --secret-id ');
    expect(description).toContain(`{"Ref":"${idOf(template, 'AWS::SecretsManager::Secret', 'ApiToken')}"}`);
    const services = alarm.Metrics.filter((m) => m.MetricStat).map((m) => JSON.stringify(m.MetricStat));
    for (const service of ['dspm-bridge-poller', 'dspm-bridge-tagger', 'dspm-bridge-coverage']) {
      expect(
        services.some((stat) => stat.includes('TokenNotSet') && stat.includes(service)),
        service,
      ).toBe(true);
    }
    expect(alarm).toMatchObject({
      Threshold: 1,
      AlarmActions: [{ Ref: idOf(template, 'AWS::SNS::Topic', 'AlarmsTopic') }],
    });
  });
});
