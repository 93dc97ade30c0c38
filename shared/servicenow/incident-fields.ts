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
import type { FindingDetailView } from './finding-view.ts';
import type { TableProfile } from './table-profile.ts';

/** Severity order, for the minimum severity that opens a record. */
export const SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;

/** What the admin chose for the records the bridge writes. */
export interface IncidentDefaults {
  /** `close_code` when the condition clears: a choice of the table's list. */
  readonly closeCode: string;
  /** `close_code` when an exception covers the finding: a choice of the table's list. */
  readonly suppressedCloseCode: string;
  /** Optional `category` and `assignment_group` (a group's sys_id) of new records. */
  readonly category?: string | undefined;
  readonly assignmentGroup?: string | undefined;
}

/** `correlation_display`: says which system owns the correlation id (the sync reads records by it). */
export const CORRELATION_DISPLAY = 'dspm-bridge';

const SHORT_DESCRIPTION_MAX = 160;
const NOTES_MAX = 4000;

/** The fields of a new record keyed `recordKey` (the occurrence, or a later round of it). */
export function createFields(
  detail: FindingDetailView,
  defaults: IncidentDefaults,
  profile: TableProfile,
  recordKey: string,
): Record<string, string> {
  return {
    short_description: shortDescription(detail),
    description: description(detail),
    correlation_id: recordKey,
    correlation_display: CORRELATION_DISPLAY,
    ...profile.severityFields(detail.severity),
    ...(defaults.category ? { category: defaults.category } : {}),
    ...(defaults.assignmentGroup ? { assignment_group: defaults.assignmentGroup } : {}),
    work_notes:
      recordKey === detail.correlationId
        ? `dspm-bridge: ${detail.condition} opened at ${detail.openedAt} (finding ${detail.findingId}, sequence ${detail.sequence}).`
        : `dspm-bridge: ${detail.condition} holds again after its exception ended at ${detail.observedAt} (finding ${detail.findingId}, sequence ${detail.sequence}); the earlier record stays closed.`,
  };
}

/** The fields of an update: the new severity and a work note saying what changed. */
export function updateFields(detail: FindingDetailView, profile: TableProfile): Record<string, string> {
  const from = detail.previousSeverity ? `${detail.previousSeverity} -> ` : '';
  return {
    ...profile.severityFields(detail.severity),
    work_notes: `dspm-bridge: severity ${from}${detail.severity} at ${detail.observedAt} (sequence ${detail.sequence}). Evidence: ${JSON.stringify(detail.evidence)}`,
  };
}

/** The close fields when the condition no longer holds (or the store is gone). */
export function resolveFields(detail: FindingDetailView, defaults: IncidentDefaults): Record<string, string> {
  const why =
    detail.resolution === 'store-removed'
      ? 'the data store is no longer in the DSPM tenant'
      : `the condition ${detail.condition} no longer holds`;
  return {
    close_code: defaults.closeCode,
    close_notes: notes(
      `Resolved by dspm-bridge: ${why} (observed ${detail.resolvedAt ?? detail.observedAt}). Evidence now: ${JSON.stringify(detail.evidence)}`,
    ),
  };
}

/**
 * The close fields when an exception covers the finding: the configured close code, and close
 * notes naming the exception (id, reason, who, until when) with its justification.
 */
export function suppressFields(
  detail: FindingDetailView,
  defaults: IncidentDefaults,
): Record<string, string> {
  const exception = detail.exception;
  const named = exception
    ? `exception ${exception.exceptionId} (${exception.reason}; requested by ${exception.requestedBy}${exception.approvedBy ? `, approved by ${exception.approvedBy}` : ''}; until ${exception.expiresAt})`
    : 'an exception';
  return {
    close_code: defaults.suppressedCloseCode,
    close_notes: notes(
      `Suppressed by dspm-bridge: ${named} covers ${detail.condition} since ${detail.observedAt}; the condition still holds. If it still holds when the exception ends, a new record is opened. Justification: ${exception?.justification ?? 'not given'}`,
    ),
  };
}

function notes(text: string): string {
  return text.length > NOTES_MAX ? `${text.slice(0, NOTES_MAX - 1)}…` : text;
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
