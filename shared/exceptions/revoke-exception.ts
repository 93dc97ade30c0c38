/**
 * Use case: revoke an exception (adapter -> **use case** -> domain). Sets the revocation once,
 * appends the `revoked` audit entry with it, then announces it (`finding-exception-changed`,
 * action `revoked`). The findings it covered come back on the next poll (`-unsuppressed`).
 */
import { EXCEPTION_ID_PATTERN } from '../events/contract.ts';
import { type ExceptionChange, noResult } from './create-exception.ts';
import {
  ExceptionAlreadyRevokedError,
  ExceptionNotFoundError,
  ExceptionValidationError,
} from './exception-errors.ts';
import { buildExceptionChanged } from './exception-event.ts';
import type { ExceptionPorts } from './exception-ports.ts';
import type { AuditEntry } from './exception-store.ts';
import { boundedText } from './validate-request.ts';

/** What a person asks when revoking. */
export interface RevokeRequest {
  readonly tenant: string;
  readonly exceptionId: string;
  readonly revokedBy: string;
  /** Why; required, at most 2,000 characters. */
  readonly justification: string;
}

/**
 * Revokes the exception at `now`.
 * @throws ExceptionValidationError naming the field that is wrong; ExceptionNotFoundError;
 *   ExceptionAlreadyRevokedError (a revocation happens once, and its entry is never rewritten).
 */
export async function revokeException(
  ports: ExceptionPorts,
  request: RevokeRequest,
  now: Date,
): Promise<ExceptionChange> {
  if (!EXCEPTION_ID_PATTERN.test(request.exceptionId))
    throw new ExceptionValidationError(
      'exceptionId',
      `"${request.exceptionId}" is not an exception id (exc- and 16 hex digits)`,
    );
  const revokedBy = request.revokedBy?.trim();
  if (!revokedBy) throw new ExceptionValidationError('revokedBy', 'who revokes it is required');
  const why = boundedText('justification', request.justification);
  const at = now.toISOString();
  const verifiedIdentity = await ports.verifiedIdentity?.();
  const entry: AuditEntry = {
    exceptionId: request.exceptionId,
    action: 'revoked',
    at,
    by: revokedBy,
    why,
    ...(verifiedIdentity ? { verifiedIdentity } : {}),
  };
  const exception = await ports.store.revokeException(
    request.tenant,
    request.exceptionId,
    { revokedAt: at, revokedBy, revocation: why },
    entry,
  );
  if (exception === undefined) {
    const existing = await ports.store.getException(request.tenant, request.exceptionId);
    if (existing === undefined)
      throw new ExceptionNotFoundError(`no exception ${request.exceptionId} for ${request.tenant}`);
    throw new ExceptionAlreadyRevokedError(
      `${request.exceptionId} was already revoked at ${existing.exception.revokedAt} by ${existing.exception.revokedBy}`,
    );
  }
  const [published] = await ports.sink.publish([buildExceptionChanged(ports.events, exception, entry)]);
  return { exception, entry, published: published ?? noResult() };
}
