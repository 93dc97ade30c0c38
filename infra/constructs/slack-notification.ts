/**
 * Slack follows findings: a rule on the bridge's bus matching the finding events worth a message
 * -> an SQS FIFO queue (one message group, so one batch at a time, in order, and EventBridge's
 * redeliveries dropped by content-based deduplication) -> the notify-slack function, which posts
 * with `chat.postMessage`, reads Slack's `ok`, paces to one message a second, and reports refused
 * records as batch item failures. After `maxReceiveCount` receives they land in the FIFO
 * dead-letter queue, which the stack's alarms watch (`AlarmsSlackDeadLetters...`).
 */
import { Duration } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DETAIL_TYPES,
  FINDING_CONDITIONS,
  FINDING_DETAIL_TYPES,
  type FindingCondition,
} from '#shared/events/detail-types.ts';
import { BridgeFunction } from './bridge-function.ts';
import { fifoQueueWithDeadLetters } from './fifo-queues.ts';

/** Finding severities, lowest first. */
export const FINDING_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** One finding severity. */
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/** What reaches Slack: the rule's choice, so nothing else is queued or paid for. */
export interface SlackFilter {
  /** Default: every condition. */
  readonly conditions: readonly FindingCondition[];
  /** Default `high`: high and critical findings. */
  readonly minimumSeverity: FindingSeverity;
  /** Default false: findings that already held at the tenant's first poll stay out of the channel. */
  readonly includeBaseline: boolean;
}

/** Props of the Slack target. */
export interface SlackNotificationProps extends SlackFilter {
  readonly bus: IEventBus;
  readonly source: string;
  readonly channel: string;
  /** Secret whose value is `Bearer xoxb-...` (or a bare `xoxb-...`). */
  readonly botTokenSecretArn: string;
  /** Messages per second to the channel; Slack allows about one. */
  readonly invocationsPerSecond: number;
  /** Post updates that lower a finding's severity (default false). */
  readonly postDeescalations: boolean;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  /** The egress VPC when the stack has one: every function leaves through the same fixed IP. */
  readonly vpc?: IVpc | undefined;
}

/** The function's timeout: ten paced messages and a Retry-After or two fit in it. */
const TIMEOUT = Duration.minutes(2);

/**
 * The EventBridge pattern the rule uses, from the filter. While an exception covers a finding the
 * channel hears two things only: that it was suppressed, and that it came back. So the rule takes
 * every finding detail type, and `$or` keeps: a suppression; an open finding's events (opened,
 * updated, unsuppressed); a resolve that no exception covered. Dropped here, not in the function:
 * `-opened` and `-updated` with `status: "suppressed"`, and `-resolved` carrying an `exception`.
 */
export function slackEventPattern(source: string, filter: SlackFilter) {
  const minimum = FINDING_SEVERITIES.indexOf(filter.minimumSeverity);
  return {
    source: [source],
    detailType: [...FINDING_DETAIL_TYPES],
    detail: {
      condition: [...filter.conditions],
      severity: FINDING_SEVERITIES.slice(minimum),
      ...(filter.includeBaseline ? {} : { baseline: [false] }),
    },
    $or: [
      { 'detail-type': [DETAIL_TYPES.findingSuppressed] },
      { detail: { status: ['open'] } },
      // `exists` matches leaf fields only (EventBridge's rule), hence the exception's id.
      {
        'detail-type': [DETAIL_TYPES.findingResolved],
        detail: { exception: { exceptionId: [{ exists: false }] } },
      },
    ],
  };
}

/** Finding events posted to a Slack channel, loudly. */
export class SlackNotification extends Construct {
  readonly rule: Rule;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly notifier: BridgeFunction;

  constructor(scope: Construct, id: string, props: SlackNotificationProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = fifoQueueWithDeadLetters(this, {
      // Six times the function's timeout, as AWS advises for an SQS event source.
      visibilityTimeout: Duration.seconds(TIMEOUT.toSeconds() * 6),
      maxReceiveCount: 5,
    }));
    this.rule = new Rule(this, 'Rule', {
      description: 'DSPM findings opened, escalated, resolved, suppressed or back from suppression, to Slack',
      eventBus: props.bus,
      eventPattern: slackEventPattern(props.source, props),
      // One group: messages to the channel go out one batch at a time, in order.
      targets: [new SqsQueue(this.queue, { messageGroupId: 'slack' })],
    });
    this.notifier = new BridgeFunction(this, 'Notifier', {
      entry: 'notify-slack.ts',
      description: 'Posts DSPM finding events to Slack and fails loudly when Slack refuses',
      environment: {
        SLACK_CHANNEL: props.channel,
        SLACK_TOKEN_SECRET_ID: props.botTokenSecretArn,
        SLACK_MIN_INTERVAL_MS: String(Math.ceil(1000 / props.invocationsPerSecond)),
        SLACK_POST_DEESCALATIONS: String(props.postDeescalations),
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      },
      timeout: TIMEOUT,
      memorySize: 256,
      logRetention: props.logRetention,
      tracing: props.tracing,
      vpc: props.vpc,
    });
    const fn = this.notifier.function;
    fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    Secret.fromSecretCompleteArn(this, 'BotToken', props.botTokenSecretArn).grantRead(fn);
    this.deadLetterQueue.grantSendMessages(fn);
  }
}

/** The default filter, documented in docs/operations.md. */
export const DEFAULT_SLACK_FILTER: SlackFilter = {
  conditions: FINDING_CONDITIONS,
  minimumSeverity: 'high',
  includeBaseline: false,
};
