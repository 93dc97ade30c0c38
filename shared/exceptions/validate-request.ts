/**
 * An `ExceptionRequest` checked field by field (domain): the exception it becomes, or an
 * `ExceptionValidationError` naming the first field that is wrong.
 */
import type { ExceptionScope, FindingException } from '../events/contract.ts';
import { EXCEPTION_REASONS, EXCEPTION_SOURCES, FINDING_CONDITIONS } from '../events/detail-types.ts';
import { ExceptionValidationError } from './exception-errors.ts';
import type { ExceptionRequest } from './exception-request.ts';
import { resolveExpiry } from './expiry.ts';

/** The longest justification (and revocation) kept. */
export const MAX_JUSTIFICATION = 2000;

/** `<tenant>/data-store/<id>/finding/<condition>`, the shape of a finding id. */
const FINDING_ID = /^(.+)\/data-store\/(\d+)\/finding\/([a-z-]+)$/;

/**
 * The exception `request` describes, made at `now` with id `exceptionId`.
 * @throws ExceptionValidationError naming the field that is wrong.
 */
export function validateRequest(request: ExceptionRequest, exceptionId: string, now: Date): FindingException {
  const scope = validateScope(request.scope, request.tenant);
  if (!(EXCEPTION_REASONS as readonly string[]).includes(request.reason))
    throw new ExceptionValidationError(
      'reason',
      `"${String(request.reason)}" is not one of ${EXCEPTION_REASONS.join(', ')}`,
    );
  const justification = boundedText('justification', request.justification);
  const requestedBy = request.requestedBy?.trim();
  if (!requestedBy) throw new ExceptionValidationError('requestedBy', 'who asks for it is required');
  const approvedBy = request.approvedBy?.trim() || null;
  if (request.reason === 'risk-accepted' && approvedBy === null)
    throw new ExceptionValidationError('approvedBy', 'a risk-accepted exception needs who approved it');
  const expiresAt = resolveExpiry(request.expires, request.reason, now);
  if (!(EXCEPTION_SOURCES as readonly string[]).includes(request.source))
    throw new ExceptionValidationError('scope', `unknown source "${String(request.source)}"`);
  return {
    exceptionId,
    tenant: request.tenant,
    scope,
    reason: request.reason,
    justification,
    requestedBy,
    approvedBy,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    source: request.source,
    revokedAt: null,
    revokedBy: null,
    revocation: null,
  };
}

/**
 * A required text of at most 2,000 characters, trimmed.
 * @throws ExceptionValidationError naming `field`.
 */
export function boundedText(field: 'justification', text: string | undefined): string {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') throw new ExceptionValidationError(field, 'is required: say why');
  if (trimmed.length > MAX_JUSTIFICATION)
    throw new ExceptionValidationError(
      field,
      `is ${trimmed.length} characters; at most ${MAX_JUSTIFICATION} are kept`,
    );
  return trimmed;
}

function validateScope(scope: ExceptionScope | undefined, tenant: string): ExceptionScope {
  if (scope === undefined || scope === null || typeof scope !== 'object')
    throw new ExceptionValidationError('scope', 'one finding id, or a condition with selectors, is required');
  if ('findingId' in scope) {
    const match = FINDING_ID.exec(scope.findingId ?? '');
    if (!match)
      throw new ExceptionValidationError(
        'scope.findingId',
        `"${scope.findingId}" is not a finding id (<tenant>/data-store/<id>/finding/<condition>)`,
      );
    if (match[1] !== tenant)
      throw new ExceptionValidationError(
        'scope.findingId',
        `"${scope.findingId}" is a finding of ${match[1]}, not of ${tenant}`,
      );
    checkCondition(match[3] as string, 'scope.findingId');
    return { findingId: scope.findingId };
  }
  checkCondition(scope.condition, 'scope.condition');
  const rule: { -readonly [K in keyof typeof scope]: (typeof scope)[K] } = { condition: scope.condition };
  if (scope.dataTag !== undefined) {
    const tag = scope.dataTag.trim();
    if (tag === '') throw new ExceptionValidationError('scope.dataTag', 'a Data Tag name is not empty');
    rule.dataTag = tag;
  }
  if (scope.infrastructureConnectionId !== undefined)
    rule.infrastructureConnectionId = scope.infrastructureConnectionId;
  if (scope.serviceId !== undefined) rule.serviceId = scope.serviceId;
  if (scope.dataStoreIds !== undefined) {
    if (
      scope.dataStoreIds.length === 0 ||
      !scope.dataStoreIds.every((id) => Number.isSafeInteger(id) && id >= 0)
    )
      throw new ExceptionValidationError('scope.dataStoreIds', 'store ids are whole numbers');
    rule.dataStoreIds = [...new Set(scope.dataStoreIds)].sort((a, b) => a - b);
  }
  return rule;
}

function checkCondition(condition: string, field: 'scope.condition' | 'scope.findingId'): void {
  if (!(FINDING_CONDITIONS as readonly string[]).includes(condition))
    throw new ExceptionValidationError(
      field,
      `unknown condition "${condition}" (known: ${FINDING_CONDITIONS.join(', ')})`,
    );
}
