/**
 * An EventBridge Scheduler schedule invoking a Lambda, with a retry policy and a dead-letter
 * queue (encrypted, TLS-only) for invocations that could not be delivered, and the function's
 * own asynchronous-invocation policy: Scheduler invokes asynchronously, so a failing run is
 * retried by Lambda, not Scheduler. That retry is bounded in count and age, and a run that still
 * fails lands in an on-failure queue with its error, instead of being dropped silently.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The dead-letter queue of a Scheduler target (encrypted, TLS-only, 14 days): what Scheduler
 * could not deliver after its retries. Construct id `DeadLetters` under `scope`.
 */
export function scheduleDeadLetters(scope: Construct): Queue {
  const queue = new Queue(scope, 'DeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason: "This queue is the schedule's dead-letter queue (cdk-nag does not see Scheduler DLQs).",
  });
  return queue;
}

/** Props of a schedule. */
export interface ScheduledInvocationProps {
  readonly target: IFunction;
  /** `rate(15 minutes)`, `cron(0 * * * ? *)`. */
  readonly expression: string;
  readonly description: string;
  /** Minutes between runs: a failed run is retried only while younger than one interval (at most six hours). */
  readonly intervalMinutes: number;
}

/** Lambda retries a failed scheduled run once; the next scheduled run is the real retry. */
export const SCHEDULED_RETRY_ATTEMPTS = 1;

/** A schedule with retries and a dead-letter queue. */
export class ScheduledInvocation extends Construct {
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;
  /** Runs that failed after Lambda's retries, each with its error (Lambda's on-failure record). */
  readonly failedRuns: Queue;

  constructor(scope: Construct, id: string, props: ScheduledInvocationProps) {
    super(scope, id);
    this.deadLetterQueue = scheduleDeadLetters(this);
    this.failedRuns = new Queue(this, 'FailedRuns', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failedRuns).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is the function's on-failure destination (cdk-nag does not see Lambda destinations).",
    });
    props.target.configureAsyncInvoke({
      retryAttempts: SCHEDULED_RETRY_ATTEMPTS,
      // Lambda's bounds: 60 s to 6 h. An older run is stale: the next scheduled one has started.
      maxEventAge: Duration.minutes(Math.max(1, Math.min(props.intervalMinutes, 360))),
      onFailure: new SqsDestination(this.failedRuns),
    });
    this.schedule = new Schedule(this, 'Schedule', {
      schedule: ScheduleExpression.expression(props.expression),
      description: props.description,
      target: new LambdaInvoke(props.target, {
        retryAttempts: 2,
        maxEventAge: Duration.minutes(10),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
