/**
 * ServiceNow follows findings: a rule on the bridge's bus sends the finding events it follows
 * into an SQS FIFO queue (content-based deduplication; one message group, since EventBridge's SQS
 * target takes a fixed group id, so one delivery at a time in order), read by a small Lambda that
 * keeps one Table API record per finding occurrence (functions/follow-servicenow.ts). Its progress
 * table remembers the last sequence applied per occurrence. Messages that keep failing land in
 * the FIFO dead-letter queue; the stack alarms on it.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FINDING_CONDITIONS, FINDING_DETAIL_TYPES } from '#shared/events/detail-types.ts';
import { profileFor } from '#shared/servicenow/table-profile.ts';
import { BridgeFunction } from './bridge-function.ts';
import { fifoQueueWithDeadLetters } from './fifo-queues.ts';

/** Props of the follower. */
export interface ServiceNowFollowerProps {
  readonly bus: IEventBus;
  readonly source: string;
  readonly instanceUrl: string;
  readonly table: string;
  /** Secret with JSON `{"username": ..., "password": ...}`. */
  readonly credentialsSecretArn: string;
  /** The conditions whose findings become records. */
  readonly conditions: readonly string[];
  /** False (the default): occurrences already open at the tenant's first poll get no record. */
  readonly followBaseline: boolean;
  readonly createMinimumSeverity: string;
  readonly closeCode?: string | undefined;
  readonly suppressedCloseCode?: string | undefined;
  readonly category?: string | undefined;
  readonly assignmentGroup?: string | undefined;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  /** The egress VPC, so ServiceNow sees the bridge's fixed IP too. */
  readonly vpc?: IVpc | undefined;
}

/** The function's timeout; the lease outlasts it, the queue's visibility timeout is six times it. */
const TIMEOUT = Duration.seconds(60);

/** The `detail` the follower's rule matches. */
export function followedFindingDetail(conditions: readonly string[], followBaseline: boolean) {
  return { condition: [...conditions], ...(followBaseline ? {} : { baseline: [false] }) };
}

/** Default conditions followed: all of them. */
export const DEFAULT_FOLLOWED_CONDITIONS: readonly string[] = FINDING_CONDITIONS;

/** The ServiceNow follower. */
export class ServiceNowFollower extends Construct {
  readonly rule: Rule;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly progress: Table;
  readonly function: BridgeFunction;

  constructor(scope: Construct, id: string, props: ServiceNowFollowerProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = fifoQueueWithDeadLetters(this, {
      visibilityTimeout: Duration.seconds(TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      maxReceiveCount: 8,
    }));
    this.rule = new Rule(this, 'Rule', {
      description: 'Finding events ServiceNow follows, one record per occurrence',
      eventBus: props.bus,
      eventPattern: {
        source: [props.source],
        detailType: [...FINDING_DETAIL_TYPES],
        detail: followedFindingDetail(props.conditions, props.followBaseline),
      },
      targets: [new SqsQueue(this.queue, { messageGroupId: 'findings' })],
    });
    this.progress = new Table(this, 'Progress', {
      partitionKey: { name: 'correlationId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const credentials = Secret.fromSecretCompleteArn(this, 'Credentials', props.credentialsSecretArn);
    this.function = new BridgeFunction(this, 'Follower', {
      entry: 'follow-servicenow.ts',
      description: 'Keeps one ServiceNow record per DSPM finding occurrence',
      timeout: TIMEOUT,
      memorySize: 256,
      logRetention: props.logRetention,
      tracing: props.tracing,
      vpc: props.vpc,
      environment: {
        SERVICENOW_INSTANCE_URL: props.instanceUrl,
        SERVICENOW_TABLE: props.table,
        SERVICENOW_CREDENTIALS_SECRET_ID: props.credentialsSecretArn,
        SERVICENOW_PROGRESS_TABLE: this.progress.tableName,
        SERVICENOW_CREATE_MIN_SEVERITY: props.createMinimumSeverity,
        SERVICENOW_LEASE_SECONDS: String(TIMEOUT.toSeconds() * 2),
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        // The table's own close codes unless configured (incident and sn_si_incident differ).
        SERVICENOW_CLOSE_CODE: props.closeCode ?? profileFor(props.table).clearedCloseCode,
        SERVICENOW_SUPPRESSED_CLOSE_CODE:
          props.suppressedCloseCode ?? profileFor(props.table).suppressedCloseCode,
        ...(props.category ? { SERVICENOW_CATEGORY: props.category } : {}),
        ...(props.assignmentGroup ? { SERVICENOW_ASSIGNMENT_GROUP: props.assignmentGroup } : {}),
      },
    });
    const fn = this.function.function;
    fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    // Least privilege: its own table's two actions, the one secret, the dead-letter queue.
    this.progress.grant(fn, 'dynamodb:UpdateItem');
    credentials.grantRead(fn);
    this.deadLetterQueue.grantSendMessages(fn);
  }
}
