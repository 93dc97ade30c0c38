/**
 * The queue pair every ordered consumer of the bus uses (the tagger's intake, the Slack notifier,
 * the ServiceNow follower): an encrypted, TLS-only FIFO queue with content-based deduplication
 * (which drops EventBridge's redeliveries), and its FIFO dead-letter queue kept for 14 days.
 */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** How long a message is hidden while a consumer holds it, and how often it may be tried. */
export interface FifoQueueProps {
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  /** How long an unread message is kept; SQS's default (4 days) when absent. */
  readonly retentionPeriod?: Duration | undefined;
}

/** Creates `Queue` and its `DeadLetters` in `scope` (those ids keep the template's logical ids). */
export function fifoQueueWithDeadLetters(
  scope: Construct,
  props: FifoQueueProps,
): { queue: Queue; deadLetterQueue: Queue } {
  const common = {
    fifo: true,
    contentBasedDeduplication: true,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  } as const;
  const deadLetterQueue = new Queue(scope, 'DeadLetters', { ...common, retentionPeriod: Duration.days(14) });
  const queue = new Queue(scope, 'Queue', {
    ...common,
    visibilityTimeout: props.visibilityTimeout,
    ...(props.retentionPeriod ? { retentionPeriod: props.retentionPeriod } : {}),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}
