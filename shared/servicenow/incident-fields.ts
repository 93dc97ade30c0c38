/**
 * What a finding looks like as a ServiceNow incident: the fields written on create, on update and
 * on resolve. Severity maps to impact and urgency; ServiceNow derives `priority` from the two
 * through its priority lookup (it is read-only on the form), so the bridge never writes it.
 *
 * | severity | impact | urgency | priority (ServiceNow's default matrix) |
 * |---|---|---|---|
 * | critical | 1 - High | 1 - High | 1 - Critical |
 * | high | 1 - High | 2 - Medium | 2 - High |
 * | medium | 2 - Medium | 2 - Medium | 3 - Moderate |
 * | low | 2 - Medium | 3 - Low | 4 - Low |
 */
import type { FindingDetailView } from './finding-message.ts';

/** Incident states of a plain ITSM instance (the `state` choices of `incident`). */
export const INCIDENT_STATE = {
  new: '1',
  inProgress: '2',
  onHold: '3',
  resolved: '6',
  closed: '7',
  canceled: '8',
} as const;

/** States a person (or the bridge) has finished with: the bridge never writes a record in one again. */
export const FINISHED_STATES: ReadonlySet<string> = new Set([
  INCIDENT_STATE.resolved,
  INCIDENT_STATE.closed,
  INCIDENT_STATE.canceled,
]);

/** Impact and urgency per severity (see the table above). */
export const SEVERITY_TO_IMPACT_URGENCY = {
  critical: { impact: '1', urgency: '1' },
  high: { impact: '1', urgency: '2' },
  medium: { impact: '2', urgency: '2' },
  low: { impact: '2', urgency: '3' },
} as const satisfies Record<FindingDetailView['severity'], { impact: string; urgency: string }>;

/** Severity order, for the minimum severity that opens a record. */
export const SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;

/** What the admin chose for new records. */
export interface IncidentDefaults {
  /** `close_code` on resolve: a choice of the instance's list (a plain instance has `Solution provided`). */
  readonly closeCode: string;
  /** Optional `category` and `assignment_group` (a group's sys_id) of new records. */
  readonly category?: string | undefined;
  readonly assignmentGroup?: string | undefined;
}

/** `correlation_display`: says which system owns the correlation id. */
export const CORRELATION_DISPLAY = 'dspm-bridge';

const SHORT_DESCRIPTION_MAX = 160;

/** The fields of a new record. */
export function createFields(detail: FindingDetailView, defaults: IncidentDefaults): Record<string, string> {
  return {
    short_description: shortDescription(detail),
    description: description(detail),
    correlation_id: detail.correlationId,
    correlation_display: CORRELATION_DISPLAY,
    ...SEVERITY_TO_IMPACT_URGENCY[detail.severity],
    ...(defaults.category ? { category: defaults.category } : {}),
    ...(defaults.assignmentGroup ? { assignment_group: defaults.assignmentGroup } : {}),
    work_notes: `dspm-bridge: ${detail.condition} opened at ${detail.openedAt} (finding ${detail.findingId}, sequence ${detail.sequence}).`,
  };
}

/** The fields of an update: the new severity and a work note saying what changed. */
export function updateFields(detail: FindingDetailView): Record<string, string> {
  const from = detail.previousSeverity ? `${detail.previousSeverity} -> ` : '';
  return {
    ...SEVERITY_TO_IMPACT_URGENCY[detail.severity],
    work_notes: `dspm-bridge: severity ${from}${detail.severity} at ${detail.observedAt} (sequence ${detail.sequence}). Evidence: ${JSON.stringify(detail.evidence)}`,
  };
}

/** The fields that resolve a record: state Resolved with the close code and notes ServiceNow requires. */
export function resolveFields(detail: FindingDetailView, defaults: IncidentDefaults): Record<string, string> {
  const why =
    detail.resolution === 'store-removed'
      ? 'the data store is no longer in the DSPM tenant'
      : `the condition ${detail.condition} no longer holds`;
  return {
    state: INCIDENT_STATE.resolved,
    close_code: defaults.closeCode,
    close_notes: `Resolved by dspm-bridge: ${why} (observed ${detail.resolvedAt ?? detail.observedAt}). Evidence now: ${JSON.stringify(detail.evidence)}`,
  };
}

function shortDescription(detail: FindingDetailView): string {
  const text = `${detail.test ? '[TEST] ' : ''}DSPM ${detail.severity}: ${detail.title}`;
  return text.length > SHORT_DESCRIPTION_MAX ? `${text.slice(0, SHORT_DESCRIPTION_MAX - 1)}…` : text;
}

function description(detail: FindingDetailView): string {
  const store = detail.dataStore;
  return [
    detail.title,
    '',
    `Data store: ${store.name} (id ${store.id})`,
    `Endpoint: ${store.endpoint}`,
    `Service: ${store.service.displayName ?? store.service.name ?? 'unknown'}`,
    `Account / region: ${store.accountId ?? 'unknown'} / ${store.region ?? 'unknown'}`,
    `Tenant: ${detail.tenant}`,
    `Condition: ${detail.condition}, opened ${detail.openedAt}`,
    `Evidence: ${JSON.stringify(detail.evidence)}`,
    `Finding: ${detail.findingId}`,
    `Occurrence: ${detail.correlationId}`,
  ].join('\n');
}
