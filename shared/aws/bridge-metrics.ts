/**
 * Every metric the bridge's functions emit, by the service (Powertools' `service` dimension) that
 * emits it: the one list both the functions (`metrics.addMetric(POLLER_METRICS.storesSeen.name, ...)`)
 * and the dashboard (infra/constructs/bridge-dashboard.ts) read, so a widget cannot show a metric
 * no function emits. test/infra/dashboard.test.ts holds both sides to it.
 *
 * A metric with `by` is a breakdown: emitted once per value of that dimension (as its own EMF
 * record, `emitBreakdown` in emit-breakdown.ts), beside the service's own dimensions.
 */
// Pure data, no Powertools: the construct library (dist/cdk) reads this list for its dashboard.
export { METRICS_NAMESPACE } from './metrics-namespace.ts';

/** One metric: its name and, for a breakdown, the dimension it is broken down by. */
export interface MetricDefinition {
  readonly name: string;
  readonly by?: string | undefined;
}

const metric = (name: string, by?: string): MetricDefinition => (by ? { name, by } : { name });

/** Runs that found the token secret still holding the stack's placeholder (poller, tagger, sweep). */
export const TOKEN_NOT_SET_METRIC = metric('TokenNotSet');

/** The poller's (per tenant: every one carries the `Tenant` dimension). */
export const POLLER_METRICS = {
  pollChunks: metric('PollChunks'),
  chunkDuration: metric('ChunkDuration'),
  dspmRequests: metric('DspmRequests'),
  dspmThrottles: metric('DspmThrottles'),
  pollSkippedLeaseHeld: metric('PollSkippedLeaseHeld'),
  storesSeen: metric('StoresSeen'),
  /** Changed, discovered and removed together (what it always counted). */
  storesChanged: metric('StoresChanged'),
  storesDiscovered: metric('StoresDiscovered'),
  storesRemoved: metric('StoresRemoved'),
  eventsPublished: metric('EventsPublished'),
  publishFailures: metric('PublishFailures'),
  pollDuration: metric('PollDuration'),
  chunksPerPoll: metric('ChunksPerPoll'),
  incompletePolls: metric('IncompletePolls'),
  pollsCompleted: metric('PollsCompleted'),
  tokenNotSet: TOKEN_NOT_SET_METRIC,
  /** Gauges of a complete poll, counted from the committed state the finish step walks. */
  storesTracked: metric('StoresTracked'),
  openFindingsByCondition: metric('OpenFindings', 'Condition'),
  openFindingsBySeverity: metric('OpenFindings', 'Severity'),
  /** Of the open findings, those an exception suppresses (counted on the same walk). */
  suppressedFindings: metric('SuppressedFindings'),
  /** Exceptions in force that end within 7 days (every finish, from the one list it reads). */
  exceptionsExpiringSoon: metric('ExceptionsExpiringSoon'),
} as const satisfies Record<string, MetricDefinition>;

/** The tagger's. */
export const TAGGER_METRICS = {
  malformedBackupEvents: metric('MalformedBackupEvents'),
  ignoredBackupEvents: metric('IgnoredBackupEvents'),
  backupEventsApplied: metric('BackupEventsApplied'),
  duplicateBackupEvents: metric('DuplicateBackupEvents'),
  staleBackupEvents: metric('StaleBackupEvents'),
  unknownResources: metric('UnknownResources'),
  tagsAdded: metric('TagsAdded'),
  tagsRemoved: metric('TagsRemoved'),
  backupEventsFailed: metric('BackupEventsFailed'),
  tokenNotSet: TOKEN_NOT_SET_METRIC,
} as const satisfies Record<string, MetricDefinition>;

/** The coverage sweep's (the first tenant's stores). */
export const COVERAGE_METRICS = {
  storesChecked: metric('CoverageStoresChecked'),
  tagged: metric('CoverageTagged'),
  untagged: metric('CoverageUntagged'),
  deferred: metric('CoverageDeferred'),
  sweepsCompleted: metric('SweepsCompleted'),
  /** Gauges: stores per coverage state once the sweep's decisions apply. */
  protected: metric('CoverageProtected'),
  unprotected: metric('CoverageUnprotected'),
  unknown: metric('CoverageUnknown'),
  excluded: metric('CoverageExcluded'),
  inventoryUnavailable: metric('CoverageInventoryUnavailable'),
  tokenNotSet: TOKEN_NOT_SET_METRIC,
} as const satisfies Record<string, MetricDefinition>;

/** The ServiceNow follower's. */
export const SERVICENOW_METRICS = {
  recordsCreated: metric('ServiceNowRecordsCreated'),
  recordsUpdated: metric('ServiceNowRecordsUpdated'),
  recordsResolved: metric('ServiceNowRecordsResolved'),
  recordsSuppressed: metric('ServiceNowRecordsSuppressed'),
  recordsUnchanged: metric('ServiceNowRecordsUnchanged'),
  malformedFindingEvents: metric('MalformedFindingEvents'),
  findingEventsFailed: metric('FindingEventsFailed'),
} as const satisfies Record<string, MetricDefinition>;

/** The ServiceNow decision sync's (people's resolves and closes that come back as exceptions). */
export const SERVICENOW_SYNC_METRICS = {
  decisionsRecorded: metric('DecisionsRecorded'),
  decisionsUnmapped: metric('DecisionsUnmapped'),
  decisionsRefused: metric('DecisionsRefused'),
  syncsThrottled: metric('DecisionSyncsThrottled'),
  syncsFailed: metric('DecisionSyncsFailed'),
} as const satisfies Record<string, MetricDefinition>;

/** The Slack notifier's. */
export const SLACK_METRICS = {
  malformed: metric('MalformedSlackEvents'),
  skipped: metric('SlackMessagesSkipped'),
  posted: metric('SlackMessagesPosted'),
  rateLimited: metric('SlackRateLimited'),
  failed: metric('SlackMessagesFailed'),
} as const satisfies Record<string, MetricDefinition>;

/** The Security Hub exporter's. */
export const SECURITY_HUB_METRICS = {
  imported: metric('FindingsImported'),
  /** Findings whose workflow status followed a suppress or unsuppress. */
  workflowsSet: metric('FindingWorkflowsSet'),
  stale: metric('StaleFindingEvents'),
  malformed: metric('MalformedFindingEvents'),
  failed: metric('FindingsFailed'),
} as const satisfies Record<string, MetricDefinition>;

/** A function's metrics, its service name and the dimensions every one of them carries. */
export interface MetricSource {
  /** Powertools' `service` dimension (the function's `serviceName`). */
  readonly service: string;
  /** Dimensions beside `service` on every metric of the function. */
  readonly dimensions: readonly string[];
  /** The function's entry point under functions/ (the drift test reads it). */
  readonly entry: string;
  readonly metrics: Readonly<Record<string, MetricDefinition>>;
}

/** Every function's metrics. */
export const METRIC_SOURCES = {
  poller: {
    service: 'dspm-bridge-poller',
    dimensions: ['Tenant'],
    entry: 'poll-data-stores.ts',
    metrics: POLLER_METRICS,
  },
  tagger: {
    service: 'dspm-bridge-tagger',
    dimensions: [],
    entry: 'tag-unprotected.ts',
    metrics: TAGGER_METRICS,
  },
  coverage: {
    service: 'dspm-bridge-coverage',
    dimensions: [],
    entry: 'sweep-coverage.ts',
    metrics: COVERAGE_METRICS,
  },
  serviceNow: {
    service: 'dspm-bridge-servicenow',
    dimensions: [],
    entry: 'follow-servicenow.ts',
    metrics: SERVICENOW_METRICS,
  },
  serviceNowSync: {
    service: 'dspm-bridge-servicenow-sync',
    dimensions: [],
    entry: 'sync-servicenow.ts',
    metrics: SERVICENOW_SYNC_METRICS,
  },
  slack: { service: 'dspm-bridge-slack', dimensions: [], entry: 'notify-slack.ts', metrics: SLACK_METRICS },
  securityHub: {
    service: 'dspm-bridge-security-hub',
    dimensions: [],
    entry: 'export-security-hub.ts',
    metrics: SECURITY_HUB_METRICS,
  },
} as const satisfies Record<string, MetricSource>;
