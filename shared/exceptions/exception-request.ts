/**
 * What a person (through the CLI, ServiceNow or an API) asks the bridge to record: an exception
 * before it is validated, given an id and audited. The exceptions use case turns it into a
 * `FindingException` (shared/events/contract.ts) or refuses it with an error naming the field.
 */
import type { ExceptionScope } from '../events/contract.ts';
import type { EXCEPTION_REASONS, EXCEPTION_SOURCES } from '../events/detail-types.ts';

/** Why a person decided a finding needs no action for now. */
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];

/** Where the decision was made. */
export type ExceptionSource = (typeof EXCEPTION_SOURCES)[number];

/** A request for an exception, as a person or an integration states it. */
export interface ExceptionRequest {
  /** The tenant host whose findings it covers. */
  readonly tenant: string;
  readonly scope: ExceptionScope;
  readonly reason: ExceptionReason;
  /** Why; required, at most 2,000 characters. */
  readonly justification: string;
  /** Who asked (as they name themselves: a CLI `--by`, a ServiceNow user name). */
  readonly requestedBy: string;
  /** Who approved; required for `risk-accepted`. */
  readonly approvedBy?: string | undefined;
  /**
   * When it ends: an ISO 8601 time or a duration (`90d`, `12w`, `P90D`); required for
   * `risk-accepted` and `compensating-control`, 365 days for `false-positive` when absent.
   */
  readonly expires?: string | undefined;
  readonly source: ExceptionSource;
}
