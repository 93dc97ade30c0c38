/**
 * The event contract: every detail type the bridge publishes, defined once. The builders type
 * their output with these schemas, the tests validate real events against them, and the JSON
 * Schemas in `docs/schemas/` are generated from them (`npm run schemas`).
 *
 * Field names of our envelope are camelCase; watched fields inside `previous`/`current` keep the
 * DSPM API's names. Fields may be added in a later schema version; none is ever removed or renamed.
 */
import { z } from 'zod';

// The names the Lambdas need at run time live apart from the schemas, so a bundle that only names
// a detail type does not build every schema (and load zod) at its cold start.
import {
  DETAIL_TYPES,
  type DetailType,
  EXCEPTION_ACTIONS,
  EXCEPTION_REASONS,
  EXCEPTION_SOURCES,
  FINDING_CONDITIONS,
} from './detail-types.ts';

export {
  DEFAULT_EVENT_SOURCE,
  DETAIL_TYPES,
  type DetailType,
  EXCEPTION_ACTIONS,
  EXCEPTION_REASONS,
  EXCEPTION_SOURCES,
  FINDING_CONDITIONS,
  FINDING_DETAIL_TYPES,
  type FindingCondition,
  type FindingDetailType,
} from './detail-types.ts';

const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time');
const riskLevel = z.enum(['unknown', 'low', 'medium', 'high', 'critical']);
const direction = z.enum(['increased', 'decreased', 'neutral']);
const watchedValue = z.union([z.number(), z.string(), z.array(z.number().int()), z.null()]);
const watchedValues = z
  .record(z.string(), watchedValue)
  .describe('Watched fields named as the DSPM API names them; -1 ("not computed") is null.');

/** The store every per-store event is about, enriched with names from DSPM's catalogs. */
export const dataStoreSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  endpoint: z.string(),
  region: z.string().nullable(),
  accountId: z.string().nullable(),
  service: z.object({
    id: z.number().int(),
    name: z.string().nullable(),
    displayName: z.string().nullable(),
  }),
  infrastructureConnection: z.object({
    id: z.number().int().nullable(),
    name: z.string().nullable(),
    platform: z.string().nullable(),
  }),
  dataTags: z.array(
    z.object({ id: z.number().int(), name: z.string().nullable(), categoryId: z.number().int().nullable() }),
  ),
});

const perStoreEnvelope = {
  schemaVersion: z.literal('1'),
  eventId: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('The same transition always gets the same id: drop duplicates by it.'),
  correlationId: z.string().describe('Stable per store: <tenant>/data-store/<id>.'),
  sequence: z.number().int().min(1).describe('Grows by one per committed change of this store.'),
  tenant: z.string(),
  pollId: z.string(),
  observedAt: isoTime,
  previousObservedAt: isoTime.nullable(),
  test: z.boolean().describe('True for events from a simulator or a demo, not a real tenant.'),
  dataStore: dataStoreSchema,
};

/** One field's change in a `data-store-risk-changed` event. */
export const fieldChangeSchema = z.object({
  field: z.string(),
  previous: watchedValue,
  current: watchedValue,
  delta: z.number().optional(),
  direction,
  added: z.array(z.object({ id: z.number().int(), name: z.string().nullable() })).optional(),
  removed: z.array(z.object({ id: z.number().int(), name: z.string().nullable() })).optional(),
});

/** `data-store-risk-changed`: a watched field of a known store changed. */
export const riskChangedDetailSchema = z.object({
  ...perStoreEnvelope,
  severity: riskLevel,
  riskLevel: z.object({ previous: riskLevel, current: riskLevel }),
  direction: z.enum(['increased', 'decreased', 'mixed', 'neutral']),
  changedFields: z.array(z.string()).min(1),
  changes: z.array(fieldChangeSchema).min(1),
  previous: watchedValues,
  current: watchedValues,
});

/** `data-store-discovered`: a store that was not in the committed state (never on a baseline poll). */
export const discoveredDetailSchema = z.object({
  ...perStoreEnvelope,
  severity: riskLevel,
  riskLevel: z.object({ current: riskLevel }),
  current: watchedValues,
});

/** `data-store-removed`: a committed store absent from a complete listing. */
export const removedDetailSchema = z.object({
  ...perStoreEnvelope,
  previous: watchedValues,
});

const protectionStatus = z.enum(['protected', 'unprotected']);
const protectionReason = z.enum([
  'NOT_ENROLLED',
  'LAST_JOB_FAILED',
  'RPO_BREACH',
  'BACKUP_SUCCEEDED',
  'ENROLLED',
]);

const coverageSchema = z
  .object({
    state: z
      .enum(['protected', 'unprotected', 'unknown', 'excluded'])
      .describe(
        'unknown: no evidence either way yet (watched for less than one RPO, or the backup inventory could not be asked); excluded: configuration takes the store out of the sweep.',
      ),
    reason: z
      .enum([
        ...protectionReason.options,
        'WATCHING',
        'INVENTORY_UNAVAILABLE',
        'NO_RESOURCE_ARN',
        'EXCLUDED_SERVICE',
        'EXCLUDED_CONNECTION',
      ])
      .describe(
        'Why: a protection reason for protected and unprotected, else why it is unknown or excluded.',
      ),
    evidence: z
      .enum(['backup-event', 'backup-inventory', 'configuration', 'none'])
      .describe(
        "Where it was learned: a backup system's event, AWS Backup's recovery points, the bridge's configuration, or nowhere yet.",
      ),
  })
  .describe("The store's backup coverage; protection.current.status stays the two-valued view of the tag.");

/** `data-store-protection-changed`: the tagger changed a store's protection status, coverage or tag. */
export const protectionChangedDetailSchema = z.object({
  schemaVersion: z.literal('1'),
  eventId: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('Derived from the backup event that caused it: a replay gets the same id.'),
  correlationId: z.string(),
  tenant: z.string(),
  observedAt: isoTime.describe('When the backup system observed what this reports.'),
  test: z.boolean(),
  dataStore: dataStoreSchema,
  protection: z.object({
    previous: z.object({ status: protectionStatus, reason: protectionReason }).nullable(),
    current: z.object({
      status: protectionStatus,
      reason: protectionReason,
      system: z.string(),
      lastSuccessAt: isoTime.nullable(),
    }),
  }),
  coverage: z.object({ previous: coverageSchema.nullable(), current: coverageSchema }),
  tag: z.object({
    id: z.number().int(),
    name: z.string(),
    action: z
      .enum(['added', 'removed', 'unchanged', 'kept'])
      .describe('kept: the store is protected but the tag was put there by someone else, so it stays.'),
  }),
  trigger: z.object({ source: z.string(), detailType: z.string(), eventId: z.string() }),
});

const findingSeverity = z.enum(['low', 'medium', 'high', 'critical']);

/** An exception's id: `exc-` and 16 hex digits. */
export const EXCEPTION_ID_PATTERN = /^exc-[0-9a-f]{16}$/;

/**
 * What an exception covers: one finding, or a rule (a condition and selectors, every one given
 * must match the store as the poll sees it).
 */
export const exceptionScopeSchema = z.union([
  z.strictObject({
    findingId: z.string().min(1).describe('One finding: <tenant>/data-store/<id>/finding/<condition>.'),
  }),
  z.strictObject({
    condition: z.enum(FINDING_CONDITIONS),
    dataTag: z
      .string()
      .min(1)
      .optional()
      .describe('A DSPM Data Tag name on the store, compared case-insensitively.'),
    infrastructureConnectionId: z.number().int().optional(),
    serviceId: z.number().int().optional(),
    dataStoreIds: z.array(z.number().int()).min(1).optional(),
  }),
]);

/** A person's decision that a finding (or every finding a rule matches) needs no action for now. */
export const findingExceptionSchema = z.object({
  exceptionId: z.string().regex(EXCEPTION_ID_PATTERN),
  tenant: z.string().describe('The tenant host whose findings it covers.'),
  scope: exceptionScopeSchema,
  reason: z.enum(EXCEPTION_REASONS),
  justification: z.string().min(1).max(2000),
  requestedBy: z.string().min(1),
  approvedBy: z.string().min(1).nullable().describe('Required for risk-accepted.'),
  createdAt: isoTime,
  expiresAt: isoTime.describe('Every exception ends: at most 365 days after createdAt.'),
  source: z.enum(EXCEPTION_SOURCES),
  revokedAt: isoTime.nullable(),
  revokedBy: z.string().nullable(),
  revocation: z.string().nullable().describe('Why it was revoked.'),
});

/**
 * `data-store-finding-opened`, `-updated` and `-resolved`: one condition holding for one store,
 * with a lifecycle. One schema for the three types; `status`, `previousSeverity`, `resolvedAt` and
 * `resolution` tell them apart.
 */
export const findingDetailSchema = z.object({
  schemaVersion: z.literal('1'),
  eventId: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('The same finding transition always gets the same id: drop duplicates by it.'),
  findingId: z
    .string()
    .describe('Stable per tenant, store and condition: <tenant>/data-store/<id>/finding/<condition>.'),
  occurrence: z
    .number()
    .int()
    .min(1)
    .describe('1 when the condition first holds, then one more each time it holds again after a resolve.'),
  correlationId: z
    .string()
    .describe(
      'Names one occurrence: <tenant>/data-store/<id>/finding/<condition>/<occurrence>. A ticket keyed by it stays closed; a recurrence gets a new one.',
    ),
  condition: z.enum(FINDING_CONDITIONS),
  status: z
    .enum(['open', 'suppressed', 'resolved'])
    .describe(
      'suppressed: an active exception covers it. Subscribers that page people match "status": ["open"].',
    ),
  severity: findingSeverity,
  previousSeverity: findingSeverity
    .nullable()
    .describe('On data-store-finding-updated: the severity before; null otherwise.'),
  title: z.string().describe('One line for people: what holds, for which store.'),
  openedAt: isoTime.describe('When this occurrence was first observed.'),
  resolvedAt: isoTime.nullable(),
  resolution: z
    .enum(['condition-cleared', 'store-removed'])
    .nullable()
    .describe('On data-store-finding-resolved: why; null otherwise.'),
  sequence: z
    .number()
    .int()
    .min(1)
    .describe('Grows by one per event of this finding, across occurrences: order by it.'),
  baseline: z
    .boolean()
    .describe("The condition already held at the tenant's first poll (or the store's first assessment)."),
  tenant: z.string(),
  pollId: z.string().nullable().describe('The poll that observed it; null when the tagger raised it.'),
  observedAt: isoTime,
  test: z.boolean().describe('True for events from a simulator, a demo or `dspm-bridge test-event`.'),
  dataStore: dataStoreSchema,
  evidence: watchedValues.describe(
    'The fields that make the condition hold (on resolve: their values now), named as DSPM names them.',
  ),
  exception: findingExceptionSchema
    .optional()
    .describe(
      'The exception that covers it: on every event while suppressed, and on -unsuppressed the one that ended.',
    ),
});

/** `finding-exception-changed`: an exception was created, revoked, expired, or expires within 7 days. */
export const exceptionChangedDetailSchema = z.object({
  schemaVersion: z.literal('1'),
  eventId: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('One per exception and action: a retry re-sends the same id.'),
  tenant: z.string(),
  action: z.enum(EXCEPTION_ACTIONS),
  at: isoTime.describe('When the change happened (for expiring: when it was noticed).'),
  by: z
    .string()
    .nullable()
    .describe('Who made the change; null where the bridge itself acted (expired, expiring).'),
  why: z.string().nullable().describe('The justification or revocation; null where the bridge acted.'),
  test: z.boolean(),
  exception: findingExceptionSchema,
});

/** `dspm-poll-completed`: one per poll, a summary and a heartbeat. */
export const pollCompletedDetailSchema = z.object({
  schemaVersion: z.literal('1'),
  eventId: z.string().regex(/^[0-9a-f]{64}$/),
  tenant: z.string(),
  pollId: z.string(),
  startedAt: isoTime,
  observedAt: isoTime,
  durationMs: z.number().int().min(0),
  test: z.boolean(),
  baseline: z.boolean().describe('The first poll of a tenant: state recorded, no per-store events.'),
  complete: z.boolean().describe('Every store was listed; only then are removals reported.'),
  incompleteReason: z.string().nullable(),
  stores: z.object({
    seen: z.number().int().min(0),
    discovered: z.number().int().min(0),
    changed: z.number().int().min(0),
    removed: z.number().int().min(0),
    unchanged: z.number().int().min(0),
    uncommitted: z
      .number()
      .int()
      .min(0)
      .describe('Stores whose events were not accepted; retried next poll.'),
  }),
  dspm: z.object({
    requests: z.number().int().min(0),
    pages: z.number().int().min(0),
    retries: z.number().int().min(0),
    throttled: z.number().int().min(0),
  }),
  events: z.object({ published: z.number().int().min(0), failed: z.number().int().min(0) }),
});

export type DataStoreRef = z.infer<typeof dataStoreSchema>;
export type FieldChangeDetail = z.infer<typeof fieldChangeSchema>;
export type RiskChangedDetail = z.infer<typeof riskChangedDetailSchema>;
export type DiscoveredDetail = z.infer<typeof discoveredDetailSchema>;
export type RemovedDetail = z.infer<typeof removedDetailSchema>;
export type PollCompletedDetail = z.infer<typeof pollCompletedDetailSchema>;
export type ProtectionChangedDetail = z.infer<typeof protectionChangedDetailSchema>;
export type FindingDetail = z.infer<typeof findingDetailSchema>;
export type ExceptionScope = z.infer<typeof exceptionScopeSchema>;
export type FindingException = z.infer<typeof findingExceptionSchema>;
export type ExceptionChangedDetail = z.infer<typeof exceptionChangedDetailSchema>;

/** Detail schema per detail type. */
export const DETAIL_SCHEMAS = {
  [DETAIL_TYPES.riskChanged]: riskChangedDetailSchema,
  [DETAIL_TYPES.discovered]: discoveredDetailSchema,
  [DETAIL_TYPES.removed]: removedDetailSchema,
  [DETAIL_TYPES.protectionChanged]: protectionChangedDetailSchema,
  [DETAIL_TYPES.pollCompleted]: pollCompletedDetailSchema,
  [DETAIL_TYPES.findingOpened]: findingDetailSchema,
  [DETAIL_TYPES.findingUpdated]: findingDetailSchema,
  [DETAIL_TYPES.findingResolved]: findingDetailSchema,
  [DETAIL_TYPES.findingSuppressed]: findingDetailSchema,
  [DETAIL_TYPES.findingUnsuppressed]: findingDetailSchema,
  [DETAIL_TYPES.exceptionChanged]: exceptionChangedDetailSchema,
} as const;

/** An entry for the bus, before it is serialised. */
export interface BusEvent<D extends object = object> {
  readonly source: string;
  readonly detailType: DetailType;
  /** When the change was observed (the poll's time), not when it was sent. */
  readonly time: Date;
  readonly detail: D;
  /** The store this event is about, to report per-store publish results; absent for summaries. */
  readonly storeId?: number;
}
