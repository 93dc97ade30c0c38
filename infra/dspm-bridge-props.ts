/**
 * The props of the `DspmBridge` construct: the keys of the app's `dspm-bridge` context, one for
 * one, checked by the same schema (infra/config.ts) with the same messages. Written out as plain
 * types so the published declarations need nothing but aws-cdk-lib; test/infra/construct-props.test.ts
 * fails the typecheck when the schema and these props drift apart.
 */

/** A finding condition (docs/events.md, "Findings"). */
export type FindingConditionName =
  | 'high-risk'
  | 'public-access'
  | 'encryption-off'
  | 'backup-off'
  | 'unprotected';

/** A finding severity. */
export type SeverityName = 'low' | 'medium' | 'high' | 'critical';

/** One tenant of `tenants`. */
export interface DspmBridgeTenant {
  /** `https://<tenant>.goskope.com` (also `*.netskope.com`, `*.boomskope.com`). */
  readonly tenantUrl: string;
  /**
   * ARN of an existing Secrets Manager secret holding this tenant's API token (plain, or JSON
   * `{"token": ...}`).
   * @default - a new secret per tenant, with a placeholder to replace with the token
   */
  readonly tokenSecretArn?: string | undefined;
  /**
   * This tenant's global rate limit, requests per second (1 to 1000).
   * @default - the bridge's `rateLimitRps`
   */
  readonly rateLimitRps?: number | undefined;
}

/** Findings posted to a Slack channel (docs/operations.md, "Slack"). */
export interface DspmBridgeSlack {
  /** ARN of the secret holding the Slack bot token, `Bearer xoxb-...` (a bare `xoxb-...` works too). */
  readonly botTokenSecretArn: string;
  /** The channel to post to, e.g. `#dspm` or a channel id. */
  readonly channel: string;
  /**
   * Messages per second to the channel (1 to 300); Slack allows about one.
   * @default 1
   */
  readonly invocationsPerSecond?: number | undefined;
  /**
   * The finding conditions posted.
   * @default - every condition
   */
  readonly conditions?: readonly FindingConditionName[] | undefined;
  /**
   * The lowest severity posted.
   * @default 'high'
   */
  readonly minimumSeverity?: SeverityName | undefined;
  /**
   * Post findings that already held at the tenant's first poll.
   * @default false
   */
  readonly includeBaseline?: boolean | undefined;
  /**
   * Post updates that lower a finding's severity.
   * @default false
   */
  readonly postDeescalations?: boolean | undefined;
}

/** Findings followed by ServiceNow records (docs/operations.md, "ServiceNow follows findings"). */
/** What one ServiceNow close code means as an exception. */
export interface DspmBridgeCloseCodeMapping {
  /** The exception's reason. */
  readonly reason: 'risk-accepted' | 'false-positive' | 'compensating-control';
  /** Days until it expires (1 to 365). */
  readonly days: number;
}

/** The ServiceNow decision sync. */
export interface DspmBridgeServiceNowSync {
  /** Close code -> exception, e.g. `{"Risk Accepted": {"reason": "risk-accepted", "days": 90}}`; at least one. */
  readonly closeCodes: Readonly<Record<string, DspmBridgeCloseCodeMapping>>;
  /**
   * Minutes between runs (5 to 1,440).
   * @default 15
   */
  readonly intervalMinutes?: number | undefined;
  /**
   * How far before its watermark each run reads again, in seconds (0 to 3,600).
   * @default 120
   */
  readonly overlapSeconds?: number | undefined;
  /**
   * Where the first run starts, in hours before the deploy (1 to 8,784).
   * @default 24
   */
  readonly initialLookbackHours?: number | undefined;
  /**
   * Records a page (1 to 1,000).
   * @default 100
   */
  readonly pageSize?: number | undefined;
  /**
   * Pages a run at most (1 to 100): the run's share of ServiceNow's per-hour limit.
   * @default 10
   */
  readonly maxPagesPerRun?: number | undefined;
}

export interface DspmBridgeServiceNow {
  /**
   * `https://<instance>.service-now.com`; another https host only with `customDomain: true`, so a
   * typo fails the synth rather than the first call.
   */
  readonly instanceUrl: string;
  /**
   * True: `instanceUrl` may be any https host (an instance behind a ServiceNow custom URL).
   * @default false
   */
  readonly customDomain?: boolean | undefined;
  /** ARN of the secret with JSON `{"username": ..., "password": ...}` of the integration user. */
  readonly credentialsSecretArn: string;
  /**
   * The table records are created in (a table name: lowercase letters, digits, underscores).
   * @default 'incident'
   */
  readonly table?: string | undefined;
  /**
   * The finding conditions that get a record.
   * @default - every condition
   */
  readonly conditions?: readonly FindingConditionName[] | undefined;
  /**
   * Also follow occurrences already open at the tenant's first poll.
   * @default false
   */
  readonly followBaseline?: boolean | undefined;
  /**
   * Below this severity a finding opens no record (one already open is still updated and resolved).
   * @default 'high'
   */
  readonly createMinimumSeverity?: SeverityName | undefined;
  /**
   * `close_code` when the condition clears: a choice in the table's close code list (at most 40
   * characters).
   * @default - 'Solution provided' (incident), 'Threat mitigated' (sn_si_incident)
   */
  readonly closeCode?: string | undefined;
  /**
   * `close_code` when an exception covers the finding; the close notes name the exception.
   * @default - 'No resolution provided' (incident), 'Not resolved' (sn_si_incident)
   */
  readonly suppressedCloseCode?: string | undefined;
  /**
   * Decisions come back: a scheduled sync turns a person's resolve or close with a mapped close
   * code into an exception on that finding (docs/operations.md, "Decisions come back").
   * @default - off
   */
  readonly sync?: DspmBridgeServiceNowSync | undefined;
  /**
   * `category` of new records (at most 40 characters).
   * @default - none set
   */
  readonly category?: string | undefined;
  /**
   * sys_id (32 hex digits) of the assignment group of new records.
   * @default - none set
   */
  readonly assignmentGroup?: string | undefined;
  /**
   * Read by an earlier version; accepted so old configurations still synthesize, and unused.
   * @deprecated unused
   * @default - unused
   */
  readonly invocationsPerSecond?: number | undefined;
}

/**
 * Configuration of the bridge. Give the tenant (`tenantUrl`, or `tenants`); everything else has a
 * default. docs/operations.md, "Deploy", explains each key.
 */
export interface DspmBridgeProps {
  /**
   * `https://<tenant>.goskope.com`: the one tenant polled. Give this or `tenants`.
   * @default - none: required unless `tenants` is given
   */
  readonly tenantUrl?: string | undefined;
  /**
   * ARN of an existing Secrets Manager secret holding the token of `tenantUrl`.
   * @default - a new secret, with a placeholder to replace with the token (output `ApiTokenSecretArn`)
   */
  readonly tokenSecretArn?: string | undefined;
  /**
   * Several tenants instead of `tenantUrl`, each polled in its own branch of the poll workflow
   * with its own token, lease, state partition, rate limit and alarms. The first is the tagger's
   * and the coverage sweep's.
   * @default - none: `tenantUrl` is the one tenant
   */
  readonly tenants?: readonly DspmBridgeTenant[] | undefined;
  /**
   * Most tenants polled at once (1 to 40): the workflow's Map concurrency, and the poller's
   * reserved concurrency (at most the number of tenants).
   * @default 4
   */
  readonly tenantConcurrency?: number | undefined;
  /**
   * Lets a non-Netskope host or plain http through (a test deployment against a simulator).
   * @default false
   */
  readonly allowAnyHost?: boolean | undefined;
  /**
   * EventBridge Scheduler expression of the poll.
   * @default 'rate(15 minutes)'
   */
  readonly pollSchedule?: string | undefined;
  /**
   * Minutes between polls (1 to 1440); the missing-poll alarm waits two. Must match `pollSchedule`.
   * @default 15
   */
  readonly pollIntervalMinutes?: number | undefined;
  /**
   * EventBridge Scheduler expression of the coverage sweep.
   * @default 'rate(1 hour)'
   */
  readonly coverageSchedule?: string | undefined;
  /**
   * Minutes between sweeps (1 to 1440); the missing-sweep alarm waits two. Must match `coverageSchedule`.
   * @default 60
   */
  readonly coverageIntervalMinutes?: number | undefined;
  /**
   * Name of the bus to create.
   * @default 'dspm-bridge'
   */
  readonly eventBusName?: string | undefined;
  /**
   * ARN of an existing bus to publish to instead of creating one (no archive then).
   * @default - a new bus named `eventBusName`, with an archive
   */
  readonly importEventBusArn?: string | undefined;
  /**
   * `Source` of every event the bridge publishes.
   * @default 'netskope.dspm'
   */
  readonly eventSource?: string | undefined;
  /**
   * Days the bus archive keeps events for replay (1 to 3650).
   * @default 30
   */
  readonly archiveRetentionDays?: number | undefined;
  /**
   * Sources allowed to send the generic `backup-protection-changed` contract to the bus.
   * @default - none: AWS Backup's own events only
   */
  readonly backupEventSources?: readonly string[] | undefined;
  /**
   * An AWS Organizations id (`o-` and 10 to 32 lowercase letters or digits): its accounts may
   * forward backup events to the bus (the `BackupForwarderStack`, deployed as a StackSet).
   * @default - no other account may
   */
  readonly organizationId?: string | undefined;
  /**
   * 12-digit account ids, as strings, that may forward backup events to the bus.
   * @default - none
   */
  readonly backupSourceAccounts?: readonly string[] | undefined;
  /**
   * Hours without a successful backup after which the coverage sweep tags a store (1 to 8760).
   * @default 26
   */
  readonly rpoHours?: number | undefined;
  /**
   * The role the coverage sweep assumes in each store's account to ask AWS Backup (the
   * `BackupReaderStack` StackSet creates it).
   * @default - the sweep asks its own account only; stores elsewhere stay unknown, never tagged
   */
  readonly backupInventoryRoleName?: string | undefined;
  /**
   * DSPM service names the coverage sweep skips.
   * @default - none
   */
  readonly excludedServices?: readonly string[] | undefined;
  /**
   * Infrastructure connection ids the coverage sweep skips.
   * @default - none
   */
  readonly excludedConnections?: readonly number[] | undefined;
  /**
   * The data store fields whose changes are reported, as DSPM names them.
   * @default - every risk and sensitivity score, encryption, backup, publicly_inaccessible, the counts and data_tags
   */
  readonly watchedFields?: readonly string[] | undefined;
  /**
   * Bounds of the risk levels low, medium, high and critical, increasing.
   * @default [25, 50, 75]
   */
  readonly riskBands?: readonly [number, number, number] | undefined;
  /**
   * Least change per field that is reported, e.g. `{ sensitive_records_count: 100 }`.
   * @default - any change
   */
  readonly minimumDeltas?: Readonly<Record<string, number>> | undefined;
  /**
   * Finding severity by condition, `off` to turn one off, e.g. `{ 'backup-off': 'off' }`.
   * @default - the documented defaults (docs/events.md, "Findings")
   */
  readonly findingSeverities?: Readonly<Record<string, string>> | undefined;
  /**
   * The tenant's global rate limit, requests per second, shared by the functions.
   * @default 5
   */
  readonly rateLimitRps?: number | undefined;
  /**
   * Page size of DSPM list calls (1 to 1000).
   * @default 100
   */
  readonly pageSize?: number | undefined;
  /**
   * Days the functions' and the workflow's logs are kept (rounded up to what CloudWatch offers).
   * @default 30
   */
  readonly logRetentionDays?: number | undefined;
  /**
   * X-Ray tracing of the functions and the workflow.
   * @default true
   */
  readonly tracing?: boolean | undefined;
  /**
   * A VPC with one NAT gateway on an Elastic IP, so the tenant's IP allowlist can name the bridge.
   * @default false
   */
  readonly fixedEgressIp?: boolean | undefined;
  /**
   * An address subscribed to the alarm topic.
   * @default - none: subscribe to `alarmTopic` yourself
   */
  readonly alarmEmail?: string | undefined;
  /**
   * Post findings to Slack.
   * @default - off
   */
  readonly slack?: DspmBridgeSlack | undefined;
  /**
   * Findings into AWS Security Hub (enabled in the stack's account and region).
   * @default false
   */
  readonly securityHub?: boolean | undefined;
  /**
   * A CloudWatch dashboard of the bridge: per tenant the poll, stores, DSPM calls and pace, open
   * findings; backup coverage, dead-letter queues, the targets and every alarm's state.
   * @default true
   */
  readonly dashboard?: boolean | undefined;
  /**
   * Follow findings with ServiceNow records.
   * @default - off
   */
  readonly serviceNow?: DspmBridgeServiceNow | undefined;
}
