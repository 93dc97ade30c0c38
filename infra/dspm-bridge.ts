/**
 * The bridge, as one construct (`DspmBridge`, exported as `dspm-bridge/cdk`): stateful parts (state table, bus with archive, a token secret per
 * tenant) and the functions around them (the poller as the task of the poll workflow, which a
 * schedule starts; tagger behind its FIFO queue; coverage sweep on a schedule), the alarms, and
 * the optional egress VPC and Slack / ServiceNow targets. No runtime logic lives here; the
 * functions read the environment this sets.
 */
import { Arn, ArnFormat, Aws, type CfnElement, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { AWS_BACKUP, GENERIC_DETAIL_TYPE } from '#shared/backup/schemas.ts';
import { pollOnlyBudget, rateBudget } from '#shared/budget/static-split.ts';
import { TOKEN_PLACEHOLDER_GENERATION } from '#shared/dspm/token-placeholder.ts';
import {
  findingSeveritiesVariable,
  PROPS_SOURCE,
  readStackConfig,
  type StackTenant,
  stackTenants,
} from './config.ts';
import { BackupIntake, TAGGER_AWS_BACKUP_DETAIL_TYPES } from './constructs/backup-intake.ts';
import { BridgeAlarms } from './constructs/bridge-alarms.ts';
import { BridgeBus } from './constructs/bridge-bus.ts';
import { BridgeDashboard } from './constructs/bridge-dashboard.ts';
import { BridgeFunction, FUNCTION_TIMEOUTS } from './constructs/bridge-function.ts';
import { ExceptionAuditTable } from './constructs/exception-audit-table.ts';
import { FixedEgress } from './constructs/fixed-egress.ts';
import { PollWorkflow } from './constructs/poll-workflow.ts';
import { ScheduledInvocation } from './constructs/scheduled-function.ts';
import { SecurityHubExport } from './constructs/security-hub-export.ts';
import { ServiceNowFollower } from './constructs/servicenow-follower.ts';
import { ServiceNowSync } from './constructs/servicenow-sync.ts';
import { SlackNotification } from './constructs/slack-notification.ts';
import { grantStateAccess, STATE_ACCESS } from './constructs/state-access.ts';
import { StateTable } from './constructs/state-table.ts';
import type { DspmBridgeProps } from './dspm-bridge-props.ts';
import { FUNCTION_SIZES } from './function-sizes.ts';

/** The poll lease's TTL in the stack: it must outlast a wait between two steps of a run. */
export const POLL_LEASE_TTL_SECONDS = 120;

/**
 * Everything the bridge deploys, in the stack it is placed in. The props are checked when it is
 * constructed: a wrong or missing one throws, naming the prop and what was expected.
 */
export class DspmBridge extends Construct {
  /** The bus the bridge publishes to (created, or the imported `importEventBusArn`). */
  readonly bus: IEventBus;
  /** The SNS topic every alarm of the bridge notifies: subscribe to it. */
  readonly alarmTopic: ITopic;
  /** The DynamoDB state table (snapshots, leases, protection, findings, exceptions). */
  readonly stateTable: ITable;
  /** The poll workflow (Step Functions) that the poll schedule starts. */
  readonly workflow: IStateMachine;
  /** @internal The poller (the workflow's task); not part of the published API. */
  readonly poller: BridgeFunction;
  /** @internal The tagger; not part of the published API. */
  readonly tagger: BridgeFunction;
  /** @internal The coverage sweep; not part of the published API. */
  readonly coverage: BridgeFunction;
  /** The first tenant's token secret (the tagger's and the sweep's). */
  readonly tokenSecret: ISecret;
  /** Every tenant's token secret, in the configured order. */
  readonly tenantSecrets: readonly ISecret[];
  /** @internal The poll workflow construct (its schedule, queue, logs); `workflow` is the published state machine. */
  readonly pollWorkflow: PollWorkflow;

  constructor(scope: Construct, id: string, props: DspmBridgeProps) {
    super(scope, id);
    const config = readStackConfig(props, PROPS_SOURCE);
    const stack = Stack.of(this);
    const logRetention = retentionOf(config.logRetentionDays);

    // Stateful: kept apart from the functions that use them.
    const state = new StateTable(this, 'State');
    const audit = new ExceptionAuditTable(this, 'ExceptionAudit');
    const bus = new BridgeBus(this, 'Events', {
      name: config.eventBusName,
      importArn: config.importEventBusArn,
      source: config.eventSource,
      archiveRetentionDays: config.archiveRetentionDays,
    });
    bus.admitBackupSenders({
      organizationId: config.organizationId,
      accounts: config.backupSourceAccounts,
      sources: [AWS_BACKUP.source, ...config.backupEventSources],
      detailTypes: [
        ...TAGGER_AWS_BACKUP_DETAIL_TYPES,
        ...(config.backupEventSources.length > 0 ? [GENERIC_DETAIL_TYPE] : []),
      ],
    });
    const tenants = stackTenants(config);
    // The first tenant keeps the construct id of the single tenant's secret, so a stack that moves
    // from tenantUrl to a tenants list starting with the same tenant keeps its secret and token.
    this.tenantSecrets = tenants.map((tenant, index) => {
      const id = index === 0 ? 'ApiToken' : `ApiToken-${tenant.host}`;
      return tenant.tokenSecretArn
        ? Secret.fromSecretCompleteArn(this, id, tenant.tokenSecretArn)
        : this.#placeholderSecret(id, tenant.host);
    });
    this.tokenSecret = this.tenantSecrets[0] as ISecret;
    const [firstTenant] = tenants as [StackTenant, ...StackTenant[]];
    const egress = config.fixedEgressIp ? new FixedEgress(this, 'Egress', { logRetention }) : undefined;

    const busName = config.importEventBusArn
      ? (Arn.split(config.importEventBusArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName ??
        config.eventBusName)
      : config.eventBusName;
    const common: Record<string, string> = {
      DSPM_ALLOW_ANY_HOST: String(config.allowAnyHost),
      DSPM_PAGE_SIZE: String(config.pageSize),
      EVENT_BUS_NAME: busName,
      EVENT_SOURCE: config.eventSource,
      STATE_TABLE_NAME: state.table.tableName,
      // The poller raises four conditions and the tagger `unprotected`: both read the severities.
      ...(config.findingSeverities
        ? { FINDING_SEVERITIES: findingSeveritiesVariable(config.findingSeverities) }
        : {}),
    };
    const functionDefaults = { logRetention, tracing: config.tracing, vpc: egress?.vpc };
    const budget = rateBudget(firstTenant.rateLimitRps);
    // The tagger and the sweep work on the first tenant only (docs/operations.md, "Several tenants").
    const firstTenantEnv = {
      DSPM_TENANT_URL: firstTenant.url,
      DSPM_API_TOKEN_SECRET_ID: this.tokenSecret.secretArn,
    };
    // The poller holds the first tenant's whole limit while the others need none of it; its
    // static share stays the fallback (shared/budget/on-demand-budget.ts).
    const budgetEnv = (mode: 'holder' | 'demander') => ({
      DSPM_RATE_BUDGET_MODE: mode,
      DSPM_TENANT_RATE_LIMIT_RPS: String(firstTenant.rateLimitRps),
    });
    // Each tenant has its own global limit: the first shares its with the tagger and the sweep,
    // the others are the poller's alone (shared/budget/static-split.ts).
    const tenantList = tenants.map((tenant, index) => ({
      url: tenant.url,
      tokenSecretId: this.tenantSecrets[index]?.secretArn,
      rateLimitRps: index === 0 ? budget.poller : pollOnlyBudget(tenant.rateLimitRps),
    }));

    this.poller = new BridgeFunction(this, 'Poller', {
      ...functionDefaults,
      entry: 'poll-data-stores.ts',
      description: 'Polls Netskope One DSPM and publishes data store risk changes',
      timeout: FUNCTION_TIMEOUTS.poller,
      memorySize: FUNCTION_SIZES.poller.memoryMb,
      maxHeapMb: FUNCTION_SIZES.poller.heapMb,
      // One invocation per tenant polled at once: the workflow's Map runs at most that many, and
      // each tenant's lease keeps its own chunks apart.
      reservedConcurrentExecutions: Math.min(tenants.length, config.tenantConcurrency),
      environment: {
        ...common,
        DSPM_TENANTS: stack.toJsonString(tenantList),
        DSPM_RATE_LIMIT_RPS: String(budget.poller),
        ...budgetEnv('holder'),
        // Renewed while a chunk runs and kept between a run's steps, so it must outlast the
        // longest wait between two steps (a retry waits at most 30 s, constructs/poll-workflow.ts);
        // a run that dies without finishing blocks its tenant's next poll for at most this long.
        POLL_LEASE_TTL_SECONDS: String(POLL_LEASE_TTL_SECONDS),
        // The poll writes the bridge's own exception audit entries (expired, expiring).
        EXCEPTION_AUDIT_TABLE_NAME: audit.table.tableName,
        ...(config.watchedFields ? { RISK_WATCHED_FIELDS: config.watchedFields.join(',') } : {}),
        ...(config.riskBands ? { RISK_BANDS: config.riskBands.join(',') } : {}),
        ...(config.minimumDeltas
          ? {
              RISK_MIN_DELTAS: Object.entries(config.minimumDeltas)
                .map(([f, n]) => `${f}=${n}`)
                .join(','),
            }
          : {}),
      },
    });

    const intake = new BackupIntake(this, 'BackupIntake', {
      bus: bus.bus,
      acceptedSources: config.backupEventSources,
      visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUTS.tagger.toSeconds() * 6),
    });
    this.tagger = new BridgeFunction(this, 'Tagger', {
      ...functionDefaults,
      entry: 'tag-unprotected.ts',
      description: 'Keeps the DSPM Unprotected tag in step with backup events',
      timeout: FUNCTION_TIMEOUTS.tagger,
      memorySize: 512,
      environment: {
        ...common,
        ...firstTenantEnv,
        DSPM_RATE_LIMIT_RPS: String(budget.taggerPerInstance),
        ...budgetEnv('demander'),
        BACKUP_EVENT_SOURCES: config.backupEventSources.join(','),
        DEAD_LETTER_QUEUE_URL: intake.deadLetterQueue.queueUrl,
      },
    });
    intake.connect(this.tagger.function);

    this.coverage = new BridgeFunction(this, 'Coverage', {
      ...functionDefaults,
      entry: 'sweep-coverage.ts',
      description: 'Tags stores with no successful backup within the RPO (AWS Backup decides)',
      timeout: FUNCTION_TIMEOUTS.coverage,
      memorySize: 1024,
      // One sweep at a time, so its share of the rate budget is never spent twice.
      reservedConcurrentExecutions: 1,
      environment: {
        ...common,
        ...firstTenantEnv,
        DSPM_RATE_LIMIT_RPS: String(budget.coverage),
        ...budgetEnv('demander'),
        BACKUP_RPO_HOURS: String(config.rpoHours),
        BACKUP_EXCLUDED_SERVICES: config.excludedServices.join(','),
        BACKUP_EXCLUDED_CONNECTIONS: config.excludedConnections.join(','),
      },
    });

    // Least privilege: each function gets the bus, the secret, and the table actions its code
    // sends (constructs/state-access.ts), and nothing else.
    for (const [fn, access] of [
      [this.poller, STATE_ACCESS.poller],
      [this.tagger, STATE_ACCESS.tagger],
      [this.coverage, STATE_ACCESS.coverage],
    ] as const) {
      bus.bus.grantPutEventsTo(fn.function);
      grantStateAccess(state.table, fn.function, access, audit.table);
      this.tokenSecret.grantRead(fn.function);
    }
    for (const secret of this.tenantSecrets.slice(1)) secret.grantRead(this.poller.function);
    intake.deadLetterQueue.grantSendMessages(this.tagger.function);
    // The sweep asks AWS Backup about a store before tagging it (its own account, without a role).
    this.coverage.function.addToRolePolicy(
      new PolicyStatement({ actions: ['backup:ListRecoveryPointsByResource'], resources: ['*'] }),
    );
    Validations.of(this.coverage).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'backup:ListRecoveryPointsByResource takes no resource-level permission; the sweep asks about any store the tenant holds, read-only.',
    });
    if (config.backupInventoryRoleName) {
      // In every other account, through the reader role the DspmBridgeBackupReader StackSet
      // creates there under this one name; the account is the store's, so it cannot be listed here.
      const readerRoles = `arn:${Aws.PARTITION}:iam::*:role/${config.backupInventoryRoleName}`;
      this.coverage.function.addEnvironment('BACKUP_INVENTORY_ROLE', config.backupInventoryRoleName);
      this.coverage.function.addToRolePolicy(
        new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [readerRoles] }),
      );
      Validations.of(this.coverage).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${config.backupInventoryRoleName}]`,
        reason:
          "The reader role has one name in every member account; which account is the store's, known only at run time.",
      });
    }
    new CfnOutput(this, 'CoverageRoleArn', {
      value: this.coverage.function.role?.roleArn ?? '',
      description: 'The DspmBridgeBackupReader StackSet trusts this role (its CoverageRoleArn parameter)',
    });

    this.pollWorkflow = new PollWorkflow(this, 'PollWorkflow', {
      poller: this.poller.function,
      pollerTimeout: FUNCTION_TIMEOUTS.poller,
      tenants: tenants.map((tenant) => tenant.host),
      maxConcurrency: config.tenantConcurrency,
      expression: config.pollSchedule,
      logRetention,
      tracing: config.tracing,
    });
    const coverageSchedule = new ScheduledInvocation(this, 'CoverageSchedule', {
      target: this.coverage.function,
      expression: config.coverageSchedule,
      intervalMinutes: config.coverageIntervalMinutes,
      description: 'Backup coverage sweep',
    });

    const deadLetterQueues: Record<string, IQueue> = {
      PollSchedule: this.pollWorkflow.deadLetterQueue,
      CoverageSchedule: coverageSchedule.deadLetterQueue,
      CoverageFailedRuns: coverageSchedule.failedRuns,
      Tagger: intake.deadLetterQueue,
    };
    if (config.slack) {
      const slack = new SlackNotification(this, 'Slack', {
        bus: bus.bus,
        source: config.eventSource,
        ...functionDefaults,
        ...config.slack,
      });
      deadLetterQueues.Slack = slack.deadLetterQueue;
    }
    let serviceNowSync: ServiceNowSync | undefined;
    if (config.serviceNow) {
      const {
        invocationsPerSecond: _unused,
        customDomain: _checked,
        sync: syncConfig,
        ...serviceNowConfig
      } = config.serviceNow;
      const serviceNow = new ServiceNowFollower(this, 'ServiceNow', {
        ...serviceNowConfig,
        bus: bus.bus,
        source: config.eventSource,
        logRetention,
        tracing: config.tracing,
        vpc: egress?.vpc,
      });
      deadLetterQueues.ServiceNow = serviceNow.deadLetterQueue;
      if (syncConfig) {
        serviceNowSync = new ServiceNowSync(this, 'ServiceNowSync', {
          ...syncConfig,
          instanceUrl: serviceNowConfig.instanceUrl,
          table: serviceNowConfig.table,
          credentialsSecretArn: serviceNowConfig.credentialsSecretArn,
          progress: serviceNow.progress,
          exceptionsEnvironment: {
            STATE_TABLE_NAME: state.table.tableName,
            EXCEPTION_AUDIT_TABLE_NAME: audit.table.tableName,
            EVENT_BUS_NAME: bus.bus.eventBusName,
            EVENT_SOURCE: config.eventSource,
          },
          logRetention,
          tracing: config.tracing,
          vpc: egress?.vpc,
        });
        const fn = serviceNowSync.function.function;
        // Exceptions: read one, write one with its created audit entry (a conditional put in a transaction).
        grantStateAccess(
          state.table,
          fn,
          {
            table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
            indexes: [],
            audit: ['dynamodb:PutItem'],
          },
          audit.table,
        );
        bus.bus.grantPutEventsTo(fn);
        deadLetterQueues.ServiceNowSyncSchedule = serviceNowSync.schedule.deadLetterQueue;
        deadLetterQueues.ServiceNowSyncFailedRuns = serviceNowSync.schedule.failedRuns;
      }
    }
    const securityHub = config.securityHub
      ? new SecurityHubExport(this, 'SecurityHub', {
          bus: bus.bus,
          source: config.eventSource,
          logRetention,
          tracing: config.tracing,
        })
      : undefined;
    if (securityHub) deadLetterQueues.SecurityHub = securityHub.deadLetterQueue;
    const alarms = new BridgeAlarms(this, 'Alarms', {
      poller: this.poller.function,
      pollWorkflow: this.pollWorkflow.stateMachine,
      tenants: tenants.map((tenant, index) => ({
        host: tenant.host,
        tokenSecretArn: this.tenantSecrets[index]?.secretArn ?? '',
      })),
      tagger: this.tagger.function,
      coverage: this.coverage.function,
      pollIntervalMinutes: config.pollIntervalMinutes,
      coverageIntervalMinutes: config.coverageIntervalMinutes,
      intakeQueue: intake.queue,
      deadLetterQueues,
      email: config.alarmEmail,
    });

    if (serviceNowSync) alarms.alarms.push(...serviceNowSync.addAlarms(new SnsAction(alarms.topic)));
    if (securityHub) {
      alarms.alarms.push(...securityHub.addAlarms(new SnsAction(alarms.topic)));
      new CfnOutput(this, 'SecurityHubDeadLetterQueueUrl', { value: securityHub.deadLetterQueue.queueUrl });
    }
    if (config.dashboard) {
      new BridgeDashboard(this, 'Dashboard', {
        tenants: tenants.map((tenant) => ({ host: tenant.host, rateLimitRps: tenant.rateLimitRps })),
        pollIntervalMinutes: config.pollIntervalMinutes,
        alarms: alarms.alarms,
        deadLetterQueues,
        targets: { serviceNow: !!config.serviceNow, slack: !!config.slack, securityHub: !!securityHub },
      });
    }

    new CfnOutput(this, 'EventBusArn', {
      value: bus.bus.eventBusArn,
      description: 'Bus the events are published to',
    });
    new CfnOutput(this, 'StateTableName', { value: state.table.tableName });
    new CfnOutput(this, 'ExceptionAuditTableName', {
      value: audit.table.tableName,
      description: 'EXCEPTION_AUDIT_TABLE_NAME for `dspm-bridge exception` against the deployed table',
    });
    new CfnOutput(this, 'ApiTokenSecretArn', {
      value: this.tokenSecret.secretArn,
      description: 'Put the Netskope API token here',
    });
    if (tenants.length > 1) {
      new CfnOutput(this, 'TenantTokenSecretArns', {
        value: stack.toJsonString(
          Object.fromEntries(
            tenants.map((tenant, index) => [tenant.host, this.tenantSecrets[index]?.secretArn]),
          ),
        ),
        description: "Each tenant's token secret, by host: put each tenant's API token in its own",
      });
    }
    new CfnOutput(this, 'PollWorkflowArn', {
      value: this.pollWorkflow.stateMachine.stateMachineArn,
      description: "The poll workflow (Step Functions): its executions show each tenant's chunks",
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'Subscribe to be told about alarms',
    });
    new CfnOutput(this, 'BackupDeadLetterQueueUrl', { value: intake.deadLetterQueue.queueUrl });
    this.#acknowledgeFindings(state.table, [this.poller, this.coverage]);
    this.bus = bus.bus;
    this.stateTable = state.table;
    this.workflow = this.pollWorkflow.stateMachine;
    this.alarmTopic = alarms.topic;
  }

  /**
   * A secret for the operator to fill with the token after the first deploy. Its generated value
   * is the recognisable placeholder of shared/dspm/token-placeholder.ts, so until it is replaced
   * the functions make no DSPM call and say which secret to fill (a random string would be sent
   * as a token and refused with 401s, retried, and alarmed on as errors).
   */
  #placeholderSecret(id: string, host: string): Secret {
    const secret = new Secret(this, id, {
      description: `Netskope REST API v2 token for dspm-bridge, tenant ${host}: replace the generated value with the token`,
      generateSecretString: { ...TOKEN_PLACEHOLDER_GENERATION },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'The token is issued and rotated in Netskope, not by Secrets Manager; the bridge re-reads the secret after a 401.',
    });
    return secret;
  }

  /**
   * Findings that are deliberate, each acknowledged by its exact finding id where it arises, with
   * the reason. (cdk-nag v3 reports through CDK's validation; ids carry the plugin prefix.)
   */
  #acknowledgeFindings(table: Table, scheduled: readonly BridgeFunction[]): void {
    const stack = Stack.of(this);
    const tableId = stack.resolve(stack.getLogicalId(table.node.defaultChild as CfnElement));
    Validations.of(this.tagger).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason:
        "The tagger queries the state table's two indexes (byEndpoint, byResource); the grant names the table.",
    });
    for (const fn of scheduled) {
      const functionId = stack.resolve(stack.getLogicalId(fn.function.node.defaultChild as CfnElement));
      // On the stack: the Scheduler's target roles are the stack's own (one per target, shared).
      Validations.of(stack).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
        reason:
          'EventBridge Scheduler (the sweep) or the poll workflow (the poller) may invoke this one function and its versions; nothing else.',
      });
    }
  }
}

function retentionOf(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter(
    (value): value is RetentionDays => typeof value === 'number',
  );
  const match = allowed.filter((value) => value >= days).sort((a, b) => a - b)[0];
  return match ?? RetentionDays.TEN_YEARS;
}
