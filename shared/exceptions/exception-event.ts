/**
 * `finding-exception-changed` (domain -> contract). Pure: the `eventId` is a hash of tenant,
 * exception and action (each action happens once per exception), so a retry re-sends the same id.
 */
import { createHash } from 'node:crypto';
import type { BusEvent, ExceptionChangedDetail, FindingException } from '../events/contract.ts';
import { DETAIL_TYPES } from '../events/detail-types.ts';
import type { AuditEntry } from './exception-store.ts';

/** What every exception event of a run shares. */
export interface ExceptionEventContext {
  readonly source: string;
  readonly test: boolean;
}

/** The event announcing `entry` of `exception`. */
export function buildExceptionChanged(
  context: ExceptionEventContext,
  exception: FindingException,
  entry: AuditEntry,
): BusEvent<ExceptionChangedDetail> {
  const detail: ExceptionChangedDetail = {
    schemaVersion: '1',
    eventId: createHash('sha256')
      .update([exception.tenant, exception.exceptionId, entry.action].join('\n'))
      .digest('hex'),
    tenant: exception.tenant,
    action: entry.action,
    at: entry.at,
    by: entry.by,
    why: entry.why,
    test: context.test,
    exception,
  };
  return {
    source: context.source,
    detailType: DETAIL_TYPES.exceptionChanged,
    time: new Date(entry.at),
    detail,
  };
}
