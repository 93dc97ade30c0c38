/**
 * Decisions come back from ServiceNow (optional): a scheduled function (EventBridge Scheduler,
 * like the coverage sweep) reads the records the follower created that people resolved or closed
 * since its watermark, and records a mapped close code as an exception on the finding
 * (functions/sync-servicenow.ts). Its watermark and the decisions it applied live in the
 * follower's progress table. One run at a time (reserved concurrency 1): ServiceNow's rate limit
 * is per user and per hour, and two runs would only share it. A failed run alarms (function
 * errors, and the schedule's dead-letter and failed-run queues), like the follower's dead letters.
 */
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarmAction, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BridgeFunction } from './bridge-function.ts';
import { ScheduledInvocation } from './scheduled-function.ts';

/** Props of the sync. */
export interface ServiceNowSyncProps {
  readonly instanceUrl: string;
  readonly table: string;
  readonly credentialsSecretArn: string;
  /** The follower's progress table. */
  readonly progress: ITable;
  readonly closeCodes: Readonly<Record<string, { reason: string; days: number }>>;
  readonly intervalMinutes: number;
  readonly overlapSeconds: number;
  readonly initialLookbackHours: number;
  readonly pageSize: number;
  readonly maxPagesPerRun: number;
  /** Environment the exceptions store and the bus need (state table, audit table, bus, source). */
  readonly exceptionsEnvironment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  readonly vpc?: IVpc | undefined;
}

/** A run's time: pages of 100 records, each decision a DynamoDB transaction. */
const TIMEOUT = Duration.seconds(120);

/** The scheduled decision sync. */
export class ServiceNowSync extends Construct {
  readonly function: BridgeFunction;
  readonly schedule: ScheduledInvocation;

  constructor(scope: Construct, id: string, props: ServiceNowSyncProps) {
    super(scope, id);
    const credentials = Secret.fromSecretCompleteArn(this, 'Credentials', props.credentialsSecretArn);
    this.function = new BridgeFunction(this, 'Sync', {
      entry: 'sync-servicenow.ts',
      description: 'Turns decisions people make on ServiceNow records into exceptions',
      timeout: TIMEOUT,
      memorySize: 256,
      logRetention: props.logRetention,
      tracing: props.tracing,
      vpc: props.vpc,
      reservedConcurrentExecutions: 1,
      environment: {
        SERVICENOW_INSTANCE_URL: props.instanceUrl,
        SERVICENOW_TABLE: props.table,
        SERVICENOW_CREDENTIALS_SECRET_ID: props.credentialsSecretArn,
        SERVICENOW_PROGRESS_TABLE: props.progress.tableName,
        SERVICENOW_SYNC_CLOSE_CODES: JSON.stringify(props.closeCodes),
        SERVICENOW_SYNC_OVERLAP_SECONDS: String(props.overlapSeconds),
        SERVICENOW_SYNC_LOOKBACK_HOURS: String(props.initialLookbackHours),
        SERVICENOW_SYNC_PAGE_SIZE: String(props.pageSize),
        SERVICENOW_SYNC_MAX_PAGES: String(props.maxPagesPerRun),
        ...props.exceptionsEnvironment,
      },
    });
    const fn = this.function.function;
    // Its watermark and decision items in the progress table: read, conditional put, update.
    props.progress.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    credentials.grantRead(fn);
    this.schedule = new ScheduledInvocation(this, 'Schedule', {
      target: fn,
      expression: `rate(${props.intervalMinutes} minutes)`,
      intervalMinutes: props.intervalMinutes,
      description: 'ServiceNow decisions -> exceptions',
    });
    const stack = Stack.of(this);
    const functionId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement));
    Validations.of(stack).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason: 'EventBridge Scheduler may invoke this one function and its versions; nothing else.',
    });
  }

  /** Alarms on failed runs, notifying `action`. */
  addAlarms(action: IAlarmAction): Alarm[] {
    const errors = new Alarm(this, 'Errors', {
      alarmDescription:
        'The ServiceNow decision sync failed a run (ServiceNow, the secret or the exceptions store): its log line names the record and the status; the next run starts from the saved watermark',
      metric: this.function.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    errors.addAlarmAction(action);
    errors.addOkAction(action);
    return [errors];
  }
}
