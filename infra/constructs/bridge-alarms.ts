/**
 * The alarms an operator needs, all notifying one SNS topic (encrypted; subscribe an email or a
 * pager to it). What each means and what to do: docs/operations.md.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '#shared/aws/lambda-observability.ts';

/** Props of the alarms. */
export interface BridgeAlarmsProps {
  readonly poller: IFunction;
  readonly tagger: IFunction;
  readonly coverage: IFunction;
  readonly pollIntervalMinutes: number;
  readonly coverageIntervalMinutes: number;
  /** The tagger's intake queue (its oldest message says whether the tagger keeps up). */
  readonly intakeQueue: IQueue;
  /** The token secret, named in the "token not set" alarm. */
  readonly tokenSecretArn: string;
  /** Every dead-letter queue, by a name for the alarm. */
  readonly deadLetterQueues: Record<string, IQueue>;
  readonly email?: string | undefined;
}

/** The service dimension Powertools puts on each function's metrics. */
const SERVICES = {
  poller: 'dspm-bridge-poller',
  tagger: 'dspm-bridge-tagger',
  coverage: 'dspm-bridge-coverage',
} as const;

/** A backup event older than this in the intake queue means the tagger is not keeping up. */
const INTAKE_AGE_ALARM_SECONDS = 1800;

/** The bridge's alarms and their topic. */
export class BridgeAlarms extends Construct {
  readonly topic: Topic;
  readonly topicKey: Key;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: BridgeAlarmsProps) {
    super(scope, id);
    this.topicKey = alarmTopicKey(this);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'dspm-bridge alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    const action = new SnsAction(this.topic);
    const add = (alarmId: string, alarm: Omit<ConstructorParameters<typeof Alarm>[2], 'actionsEnabled'>) => {
      const created = new Alarm(this, alarmId, alarm);
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };
    const metricOf = (service: keyof typeof SERVICES) => (metricName: string, period: Duration) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICES[service] },
        statistic: 'Sum',
        period,
      });
    const poller = metricOf('poller');
    const twoIntervals = (minutes: number) => Duration.minutes(Math.min(2 * minutes, 1440));

    for (const [name, fn] of [
      ['Poller', props.poller],
      ['Tagger', props.tagger],
      ['Coverage', props.coverage],
    ] as const) {
      add(`${name}Errors`, {
        alarmDescription: `${name} Lambda invocations failed (for the poller: a listing failed part-way or DSPM refused it)`,
        metric: fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    add('NoCompletedPoll', {
      alarmDescription:
        'No poll completed within two poll intervals: the poller is not running or keeps failing',
      metric: poller('PollsCompleted', twoIntervals(props.pollIntervalMinutes)),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    add('DspmThrottling', {
      alarmDescription:
        "DSPM answered 429 often: set the stack's rateLimitRps to the tenant's global limit (the functions share it), or find what else spends the tenant's budget",
      metric: poller('DspmThrottles', Duration.hours(1)),
      threshold: 50,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('PublishFailures', {
      alarmDescription:
        'EventBridge refused events for three polls running (they are retried, but not delivered yet)',
      metric: poller('PublishFailures', Duration.minutes(props.pollIntervalMinutes)),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('IncompletePolls', {
      alarmDescription:
        'Two of the last three polls could not list every store (pages failed after retries, or the total moved): changes may be missed and no removals are reported',
      metric: poller('IncompletePolls', Duration.minutes(props.pollIntervalMinutes)),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('NoCompletedSweep', {
      alarmDescription:
        'No coverage sweep completed within two sweep intervals: the sweep is not running or keeps failing',
      metric: metricOf('coverage')('SweepsCompleted', twoIntervals(props.coverageIntervalMinutes)),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    add('TaggerRecordFailures', {
      alarmDescription:
        'The tagger failed backup events in two 15-minute periods running (SQS retries them; after 5 receives they dead-letter): read its log',
      metric: metricOf('tagger')('BackupEventsFailed', Duration.minutes(15)),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('IntakeQueueBacklog', {
      alarmDescription: `A backup event has waited over ${INTAKE_AGE_ALARM_SECONDS / 60} minutes in the tagger's queue: the tagger is failing or not running`,
      metric: props.intakeQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: INTAKE_AGE_ALARM_SECONDS,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const tokenNotSet = (service: keyof typeof SERVICES) =>
      metricOf(service)('TokenNotSet', Duration.minutes(15));
    add('TokenNotSet', {
      alarmDescription: `The Netskope API token is not set: secret ${props.tokenSecretArn} still holds the placeholder the stack generated, so nothing is polled or tagged. Set it: aws secretsmanager put-secret-value --secret-id ${props.tokenSecretArn} --secret-string '{"token":"<token>"}'`,
      metric: new MathExpression({
        expression: 'FILL(poller, 0) + FILL(tagger, 0) + FILL(coverage, 0)',
        usingMetrics: {
          poller: tokenNotSet('poller'),
          tagger: tokenNotSet('tagger'),
          coverage: tokenNotSet('coverage'),
        },
        label: 'TokenNotSet',
        period: Duration.minutes(15),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(`${name}DeadLetters`, {
        alarmDescription: `Messages are waiting in the ${name} dead-letter queue`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }
}

/**
 * The alarm topic's key. CloudWatch can publish to an encrypted topic only when the key policy
 * lets cloudwatch.amazonaws.com use the key, and the AWS-managed `alias/aws/sns` key's policy
 * cannot be changed: a customer-managed key is the only way alarms reach anyone. CloudWatch is
 * the topic's only publisher (nothing else in the stack publishes to it).
 */
function alarmTopicKey(scope: Construct): Key {
  const key = new Key(scope, 'TopicKey', {
    description: 'dspm-bridge alarm topic: lets CloudWatch alarms publish to the encrypted topic',
    enableKeyRotation: true,
  });
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      // Only this account's alarms, so no other account's CloudWatch can use the key through us.
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
        },
      },
    }),
  );
  return key;
}
