/**
 * The Security Hub workflow of a finding an exception covers (domain): SUPPRESSED with a note
 * naming the exception (id, reason, expiry, who, why) when the finding becomes suppressed, NEW with
 * a note saying how the exception ended when it comes back. Set through BatchUpdateFindings, the
 * call AWS documents for changing Workflow and Note (BatchImportFindings cannot change either once
 * a finding exists), in the account that owns the findings.
 *
 * Only transitions move the workflow, so an analyst's own workflow choice on a finding is kept
 * while its status does not change: a transition is the bridge's status (in the finding's
 * `ProductFields`, shared/securityhub/asff.ts) changing between what Security Hub holds and the
 * newest event. One repair: when Security Hub holds exactly this event but the workflow did not
 * follow (the import succeeded, the update failed, SQS redelivered the record), it is set again.
 */
import type { FindingDetailType } from '../events/detail-types.ts';
import type { FindingEventDetail } from './finding-view.ts';

/** What Security Hub holds of a finding, as the export reads it before importing. */
export interface HeldFinding {
  /** The bridge's `sequence` of the event last imported. */
  readonly sequence: number;
  /** The bridge's `status` of that event (absent on findings imported before it was recorded). */
  readonly status: string | undefined;
  /** `Workflow.Status` now (the customer's, or the bridge's last update). */
  readonly workflowStatus: string | undefined;
}

/** One BatchUpdateFindings change of one finding. */
export interface WorkflowUpdate {
  readonly id: string;
  readonly status: 'SUPPRESSED' | 'NEW';
  readonly note: string;
}

/** Who the note says updated it. */
export const NOTE_AUTHOR = 'dspm-bridge';

/** AWS's limit on `Note.Text`. */
export const NOTE_MAX = 512;

/** The workflow change the newest event of a finding asks for, given what Security Hub holds. */
export function workflowUpdateOf(
  detailType: FindingDetailType,
  detail: FindingEventDetail,
  held: HeldFinding | undefined,
): WorkflowUpdate | undefined {
  const redelivered = held !== undefined && held.sequence === detail.sequence;
  const exception = detail.exception;
  if (detail.status === 'suppressed' && exception) {
    const transition = held === undefined || held.status !== 'suppressed';
    const unfollowed = redelivered && held.workflowStatus !== 'SUPPRESSED';
    if (!transition && !unfollowed) return undefined;
    const approved = exception.approvedBy ? `, approved by ${exception.approvedBy}` : '';
    return {
      id: detail.correlationId,
      status: 'SUPPRESSED',
      note: cut(
        `Suppressed by exception ${exception.exceptionId} (${exception.reason}) until ${exception.expiresAt}; requested by ${exception.requestedBy}${approved}: ${exception.justification}`,
      ),
    };
  }
  if (detail.status === 'open') {
    // From suppressed to open is an unsuppression, even when a later update of the same batch is
    // the newest event (it carries no exception then).
    const transition = held?.status === 'suppressed';
    const unfollowed =
      redelivered && detailType === 'data-store-finding-unsuppressed' && held.workflowStatus === 'SUPPRESSED';
    if (!transition && !unfollowed) return undefined;
    const ended = !exception
      ? 'The exception that covered it ended'
      : exception.revokedAt
        ? `Exception ${exception.exceptionId} (${exception.reason}) was revoked at ${exception.revokedAt} by ${exception.revokedBy ?? 'unknown'}`
        : `Exception ${exception.exceptionId} (${exception.reason}) expired at ${exception.expiresAt}`;
    return { id: detail.correlationId, status: 'NEW', note: cut(`${ended}: the finding is open again.`) };
  }
  return undefined;
}

function cut(text: string): string {
  return text.length <= NOTE_MAX ? text : `${text.slice(0, NOTE_MAX - 1)}…`;
}
