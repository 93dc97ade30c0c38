/**
 * The exceptions half of the memory (and file) state: the rules of the DynamoDB exception store
 * on plain maps. An exception is created once, revoked once; an audit entry is keyed by exception
 * and action and never replaced.
 */
import type { FindingException } from '../events/contract.ts';
import type { AuditEntry, AuditedException, Revocation } from '../exceptions/exception-store.ts';

/** One tenant's exceptions and audit trail. */
export interface ExceptionsState {
  exceptions: Map<string, FindingException>;
  /** Every entry, in the order written. */
  audit: AuditEntry[];
}

/** Adds a new exception and its `created` entry; false when the id exists. */
export function addException(
  state: ExceptionsState,
  exception: FindingException,
  created: AuditEntry,
): boolean {
  if (state.exceptions.has(exception.exceptionId) || hasEntry(state, created)) return false;
  state.exceptions.set(exception.exceptionId, exception);
  state.audit.push(created);
  return true;
}

/** Sets the revocation of an unrevoked exception and appends its entry; undefined otherwise. */
export function markRevoked(
  state: ExceptionsState,
  exceptionId: string,
  revocation: Revocation,
  revoked: AuditEntry,
): FindingException | undefined {
  const current = state.exceptions.get(exceptionId);
  if (current === undefined || current.revokedAt !== null || hasEntry(state, revoked)) return undefined;
  const next: FindingException = { ...current, ...revocation };
  state.exceptions.set(exceptionId, next);
  state.audit.push(revoked);
  return next;
}

/** Appends an entry unless that exception's action already has one. */
export function appendEntry(state: ExceptionsState, entry: AuditEntry): boolean {
  if (hasEntry(state, entry)) return false;
  state.audit.push(entry);
  return true;
}

/** Every exception with its entries. */
export function audited(state: ExceptionsState): AuditedException[] {
  return [...state.exceptions.values()].map((exception) => auditedOne(state, exception));
}

/** One exception with its entries. */
export function auditedOne(state: ExceptionsState, exception: FindingException): AuditedException {
  return { exception, audit: state.audit.filter((entry) => entry.exceptionId === exception.exceptionId) };
}

function hasEntry(state: ExceptionsState, entry: AuditEntry): boolean {
  return state.audit.some((e) => e.exceptionId === entry.exceptionId && e.action === entry.action);
}
