/**
 * Use case: record a person's exception (adapter -> **use case** -> domain). Validate the request,
 * give it an id, store it with its `created` audit entry, then announce it on the bus
 * (`finding-exception-changed`, action `created`). The CLI's `exception add` and ServiceNow's
 * follower call this one function.
 */
import { randomBytes } from 'node:crypto';
import type { FindingException } from '../events/contract.ts';
import type { PublishResult } from '../events/sink.ts';
import { buildExceptionChanged } from './exception-event.ts';
import type { ExceptionPorts } from './exception-ports.ts';
import type { ExceptionRequest } from './exception-request.ts';
import type { AuditEntry } from './exception-store.ts';
import { validateRequest } from './validate-request.ts';

/** A new exception id: `exc-` and 16 hex digits (64 random bits). */
export function newExceptionId(): string {
  return `exc-${randomBytes(8).toString('hex')}`;
}

/** What recording an exception did. */
export interface ExceptionChange {
  readonly exception: FindingException;
  readonly entry: AuditEntry;
  /** Whether the bus (or the NDJSON output) accepted its `finding-exception-changed`. */
  readonly published: PublishResult;
}

/**
 * Records the exception `request` asks for, made at `now`. The store write comes first: the
 * exception is in force from the next poll whatever happens to its event, and a refused event is
 * reported in `published` (the audit entry is already there, so nothing is lost but the copy on
 * the bus, which the caller reports).
 * @throws ExceptionValidationError naming the field that is wrong; nothing is stored then.
 */
export async function createException(
  ports: ExceptionPorts,
  request: ExceptionRequest,
  now: Date,
): Promise<ExceptionChange> {
  const exception = validateRequest(request, ports.newId?.() ?? newExceptionId(), now);
  const verifiedIdentity = await ports.verifiedIdentity?.();
  const entry: AuditEntry = {
    exceptionId: exception.exceptionId,
    action: 'created',
    at: exception.createdAt,
    by: exception.requestedBy,
    why: exception.justification,
    ...(verifiedIdentity ? { verifiedIdentity } : {}),
  };
  await ports.store.createException(exception, entry);
  const [published] = await ports.sink.publish([buildExceptionChanged(ports.events, exception, entry)]);
  return { exception, entry, published: published ?? noResult() };
}

/** A sink that returned no result for the event. */
export function noResult(): PublishResult {
  return { ok: false, errorCode: 'NoResult', errorMessage: 'the sink returned no result for this event' };
}
