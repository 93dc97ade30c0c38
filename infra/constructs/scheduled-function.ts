/**
 * An EventBridge Scheduler schedule invoking a Lambda, with a retry policy and a dead-letter
 * queue (encrypted, TLS-only) for invocations that could not be delivered.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of a schedule. */
export interface ScheduledInvocationProps {
  readonly target: IFunction;
  /** `rate(15 minutes)`, `cron(0 * * * ? *)`. */
  readonly expression: string;
  readonly description: string;
}

/** A schedule with retries and a dead-letter queue. */
export class ScheduledInvocation extends Construct {
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ScheduledInvocationProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: "This queue is the schedule's dead-letter queue (cdk-nag does not see Scheduler DLQs).",
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
