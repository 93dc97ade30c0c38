/**
 * The alarms an operator needs, all notifying one SNS topic (encrypted; subscribe an email or a
 * pager to it). The poller's come once per tenant (its metrics carry a `Tenant` dimension), the
 * workflow's once. What each means and what to do: docs/operations.md.
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
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '#shared/aws/metrics-namespace.ts';

/** Props of the alarms. */
export interface BridgeAlarmsProps {
  readonly poller: IFunction;
  /** The poll workflow: a failed or timed-out execution alarms. */
  readonly pollWorkflow: IStateMachine;
  /** The tenants, in order: each gets the poller's alarms; the first is the tagger's and the sweep's. */
  readonly tenants: readonly AlarmedTenant[];
  readonly tagger: IFunction;
  readonly coverage: IFunction;
  readonly pollIntervalMinutes: number;
  readonly coverageIntervalMinutes: number;
  /** The tagger's intake queue (its oldest message says whether the tagger keeps up). */
  readonly intakeQueue: IQueue;
  /** Every dead-letter queue, by a name for the alarm. */
  readonly deadLetterQueues: Record<string, IQueue>;
  readonly email?: string | undefined;
}

/** A tenant as the alarms name it. */
export interface AlarmedTenant {
  readonly host: string;
  /** Its token secret, named in its "token not set" alarm. */
  readonly tokenSecretArn: string;
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
    const add = (
      alarmId: string,
      alarm: Omit<ConstructorParameters<typeof Alarm>[2], 'actionsEnabled'>,
      scope: Construct = this,
    ) => {
      const created = new Alarm(scope, alarmId, alarm);
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };
    const metricOf =
      (service: keyof typeof SERVICES, tenant?: string) => (metricName: string, period: Duration) =>
        new Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { service: SERVICES[service], ...(tenant ? { Tenant: tenant } : {}) },
          statistic: 'Sum',
          period,
        });
    const twoIntervals = (minutes: number) => Duration.minutes(Math.min(2 * minutes, 1440));

    for (const [name, fn] of [
      ['Poller', props.poller],
      ['Tagger', props.tagger],
      ['Coverage', props.coverage],
    ] as const) {
      add(`${name}Errors`, {
        alarmDescription: `${name} Lambda invocations failed (for the poller: a chunk or finish step failed; the workflow retries passing errors, PollWorkflowFailed says whether the run failed)`,
        metric: fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    add('PollWorkflowFailed', {
      alarmDescription:
        "A poll workflow execution failed: a tenant's chunk or finish step failed after its retries (the execution's history names the tenant and the error), or the workflow could not start its tasks",
      metric: props.pollWorkflow.metricFailed({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('PollWorkflowTimedOut', {
      alarmDescription:
        'A poll workflow execution ran into its timeout: a tenant did not finish its poll in time (a very large baseline, or DSPM much slower than usual)',
      metric: props.pollWorkflow.metricTimedOut({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    props.tenants.forEach((tenant, index) => {
      this.#tenantAlarms(tenant, index === 0, { add, metricOf, twoIntervals }, props);
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

  /**
   * One tenant's poll alarms, under a construct named by its host, each description naming it.
   * The first tenant's "token not set" also counts the tagger's and the sweep's runs: they use its
   * token.
   */
  #tenantAlarms(
    tenant: AlarmedTenant,
    first: boolean,
    tools: {
      add: (
        id: string,
        alarm: Omit<ConstructorParameters<typeof Alarm>[2], 'actionsEnabled'>,
        scope: Construct,
      ) => void;
      metricOf: (
        service: keyof typeof SERVICES,
        tenant?: string,
      ) => (name: string, period: Duration) => Metric;
      twoIntervals: (minutes: number) => Duration;
    },
    props: BridgeAlarmsProps,
  ): void {
    const { add, metricOf, twoIntervals } = tools;
    const scope = new Construct(this, tenant.host);
    const poller = metricOf('poller', tenant.host);
    const on = `tenant ${tenant.host}`;
    add(
      'NoCompletedPoll',
      {
        alarmDescription: `${on}: no poll completed within two poll intervals: the workflow is not running, or this tenant's polls keep failing, are incomplete or skipped`,
        metric: poller('PollsCompleted', twoIntervals(props.pollIntervalMinutes)),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      },
      scope,
    );
    add(
      'IncompletePolls',
      {
        alarmDescription: `${on}: two of the last three polls could not list every store (pages failed after retries, or the total moved): changes may be missed and no removals are reported`,
        metric: poller('IncompletePolls', Duration.minutes(props.pollIntervalMinutes)),
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      scope,
    );
    add(
      'DspmThrottling',
      {
        alarmDescription: `${on}: DSPM answered 429 often: set this tenant's rateLimitRps to its global limit, or find what else spends its budget`,
        metric: poller('DspmThrottles', Duration.hours(1)),
        threshold: 50,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      scope,
    );
    add(
      'PublishFailures',
      {
        alarmDescription: `${on}: EventBridge refused events for three polls running (they are retried, but not delivered yet)`,
        metric: poller('PublishFailures', Duration.minutes(props.pollIntervalMinutes)),
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      scope,
    );
    const tokenNotSet = (service: keyof typeof SERVICES, dimension?: string) =>
      metricOf(service, dimension)('TokenNotSet', Duration.minutes(15));
    const usingMetrics: Record<string, Metric> = first
      ? {
          poller: tokenNotSet('poller', tenant.host),
          tagger: tokenNotSet('tagger'),
          coverage: tokenNotSet('coverage'),
        }
      : { poller: tokenNotSet('poller', tenant.host) };
    add(
      'TokenNotSet',
      {
        alarmDescription: `The Netskope API token of ${on} is not set: secret ${tenant.tokenSecretArn} still holds the placeholder the stack generated, so ${first ? 'nothing is polled, tagged or swept' : 'this tenant is not polled'}. Set it: aws secretsmanager put-secret-value --secret-id ${tenant.tokenSecretArn} --secret-string '{"token":"<token>"}'`,
        metric: new MathExpression({
          expression: Object.keys(usingMetrics)
            .map((name) => `FILL(${name}, 0)`)
            .join(' + '),
          usingMetrics,
          label: 'TokenNotSet',
          period: Duration.minutes(15),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      scope,
    );
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
