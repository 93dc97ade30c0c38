/**
 * The optional Security Hub export: a rule on the bridge's bus for the finding events, an SQS
 * queue with a dead-letter queue, and the exporting Lambda reading it in batches of up to 100 with
 * partial batch responses. The function may call BatchImportFindings on the account's own default
 * product only, GetFindings on its hub, and BatchUpdateFindings on its hub to set a workflow to
 * SUPPRESSED or NEW (nothing else: Deny statements on AWS's `ASFFSyntaxPath` condition keys).
 */
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '#shared/aws/lambda-observability.ts';
import { FINDING_DETAIL_TYPES } from '#shared/events/contract.ts';
import { BridgeFunction } from './bridge-function.ts';

/** The export function's timeout. */
export const SECURITY_HUB_TIMEOUT = Duration.minutes(1);

/** The rule's pattern: every finding event of the bridge's source, suppressions included. */
export function securityHubPattern(source: string) {
  return { source: [source], detailType: [...FINDING_DETAIL_TYPES] };
}

/** Props of the export. */
export interface SecurityHubExportProps {
  readonly bus: IEventBus;
  readonly source: string;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
}

/** Finding events into Security Hub. */
export class SecurityHubExport extends Construct {
  readonly rule: Rule;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly exporter: BridgeFunction;
  readonly productArn: string;

  constructor(scope: Construct, id: string, props: SecurityHubExportProps) {
    super(scope, id);
    this.productArn = `arn:${Aws.PARTITION}:securityhub:${Aws.REGION}:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`;
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the export queue and of its rule target.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function's timeout, as AWS advises for an SQS event source.
      visibilityTimeout: Duration.seconds(SECURITY_HUB_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.rule = new Rule(this, 'Rule', {
      description:
        'DSPM finding events (opened, updated, resolved, suppressed, unsuppressed), to Security Hub',
      eventBus: props.bus,
      eventPattern: securityHubPattern(props.source),
      targets: [
        new SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 10,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    this.exporter = new BridgeFunction(this, 'Exporter', {
      entry: 'export-security-hub.ts',
      description: 'Imports DSPM finding events into Security Hub as ASFF findings',
      timeout: SECURITY_HUB_TIMEOUT,
      memorySize: 512,
      logRetention: props.logRetention,
      tracing: props.tracing,
      environment: {
        SECURITY_HUB_PRODUCT_ARN: this.productArn,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      },
    });
    const fn = this.exporter.function;
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['securityhub:BatchImportFindings'], resources: [this.productArn] }),
    );
    const hub = `arn:${Aws.PARTITION}:securityhub:${Aws.REGION}:${Aws.ACCOUNT_ID}:hub/default`;
    fn.addToRolePolicy(new PolicyStatement({ actions: ['securityhub:GetFindings'], resources: [hub] }));
    // BatchUpdateFindings sets a suppressed finding's workflow (SUPPRESSED, back to NEW) and note,
    // in this account's hub. AWS documents Deny statements on `ASFFSyntaxPath` to narrow it: the
    // function may set no other workflow status and never the customer's severity.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['securityhub:BatchUpdateFindings'], resources: [hub] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: ['securityhub:BatchUpdateFindings'],
        resources: [hub],
        conditions: {
          StringNotEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NEW', 'SUPPRESSED'] },
        },
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: ['securityhub:BatchUpdateFindings'],
        resources: [hub],
        conditions: { Null: { 'securityhub:ASFFSyntaxPath/Severity.Label': 'false' } },
      }),
    );
    this.deadLetterQueue.grantSendMessages(fn);
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        // One BatchImportFindings call per invocation: AWS takes up to 100 findings per call.
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        // Two batches at once at most, so one finding's events rarely race (stale ones are dropped anyway).
        maxConcurrency: 2,
      }),
    );
  }

  /** The alarm on records Security Hub refused, notifying `action`. */
  addAlarms(action: IAlarmAction): Alarm[] {
    const failures = new Alarm(this, 'RecordFailures', {
      alarmDescription:
        'Security Hub refused finding imports in two 5-minute periods running (SQS retries them; after 5 receives they dead-letter): read the export log',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'FindingsFailed',
        dimensionsMap: { service: 'dspm-bridge-security-hub' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const errors = new Alarm(this, 'Errors', {
      alarmDescription: 'The Security Hub export Lambda failed invocations',
      metric: this.exporter.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [failures, errors]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return [failures, errors];
  }
}
