/**
 * Finding events of a finding an exception covers, as the poller publishes them (DESIGN
 * "Exceptions"): `-suppressed`, `-updated` and `-resolved` while suppressed (each carrying the
 * exception), `-opened` already suppressed, and `-unsuppressed` (status open again, with the
 * exception that ended). Checked against the contract's full schema like every test event.
 */
import { DETAIL_TYPES, type FindingDetail, type FindingException } from '#shared/events/contract.ts';
import { findingDetail } from './queued-finding-events.ts';

/** A risk-accepted exception on the high-risk finding of store 1; `overrides` change it. */
export function findingException(overrides: Partial<FindingException> = {}): FindingException {
  return {
    exceptionId: 'exc-0123456789abcdef',
    tenant: 'example.goskope.com',
    scope: { findingId: 'example.goskope.com/data-store/1/finding/high-risk' },
    reason: 'risk-accepted',
    justification: 'The database is being decommissioned in Q1; access is limited to the DBA role.',
    requestedBy: 'alice@example.com',
    approvedBy: 'ciso@example.com',
    createdAt: '2026-11-22T10:30:00.000Z',
    expiresAt: '2027-02-20T10:30:00.000Z',
    source: 'cli',
    revokedAt: null,
    revokedBy: null,
    revocation: null,
    ...overrides,
  };
}

/** The lifecycle steps of a covered finding. */
export type SuppressedStep =
  | 'suppressed'
  | 'updated-while-suppressed'
  | 'resolved-while-suppressed'
  | 'opened-suppressed'
  | 'unsuppressed';

const TYPE_OF = {
  suppressed: DETAIL_TYPES.findingSuppressed,
  'updated-while-suppressed': DETAIL_TYPES.findingUpdated,
  'resolved-while-suppressed': DETAIL_TYPES.findingResolved,
  'opened-suppressed': DETAIL_TYPES.findingOpened,
  unsuppressed: DETAIL_TYPES.findingUnsuppressed,
} as const;

/** The detail of `step` (sequence 2 to 4 after the open at 1), with `overrides`. */
export function suppressedDetail(
  step: SuppressedStep,
  overrides: Partial<FindingDetail> = {},
): FindingDetail {
  const exception = overrides.exception ?? findingException();
  switch (step) {
    case 'opened-suppressed':
      return findingDetail('opened', { status: 'suppressed', exception, ...overrides });
    case 'suppressed':
      return findingDetail('opened', {
        status: 'suppressed',
        exception,
        sequence: 2,
        eventId: '1'.repeat(64),
        observedAt: '2026-11-22T10:30:00.000Z',
        ...overrides,
      });
    case 'updated-while-suppressed':
      return findingDetail('updated', {
        status: 'suppressed',
        exception,
        sequence: 3,
        eventId: '2'.repeat(64),
        observedAt: '2026-11-22T10:45:00.000Z',
        ...overrides,
      });
    case 'resolved-while-suppressed':
      return findingDetail('resolved', { exception, sequence: 4, eventId: '3'.repeat(64), ...overrides });
    case 'unsuppressed':
      return findingDetail('opened', {
        status: 'open',
        exception,
        sequence: 4,
        eventId: '4'.repeat(64),
        observedAt: '2027-02-20T10:45:00.000Z',
        ...overrides,
      });
  }
}

/** The EventBridge event of `step`. */
export function suppressedEvent(
  step: SuppressedStep,
  overrides: Partial<FindingDetail> = {},
  id = `evt-${step}`,
) {
  return {
    version: '0',
    id,
    'detail-type': TYPE_OF[step],
    source: 'netskope.dspm',
    account: '123456789012',
    time: '2026-11-22T10:00:00Z',
    region: 'us-west-2',
    resources: [],
    detail: suppressedDetail(step, overrides),
  };
}
