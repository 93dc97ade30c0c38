/**
 * The exceptions port: where exceptions and their append-only audit trail are kept (the state
 * table and an audit table in AWS, the CLI's state file, memory in tests).
 */
import type { FindingException } from '../events/contract.ts';
import type { EXCEPTION_ACTIONS } from '../events/detail-types.ts';

/** What happened to an exception. */
export type ExceptionAction = (typeof EXCEPTION_ACTIONS)[number];

/**
 * One entry of the audit trail: written once, never changed. Each action happens at most once
 * per exception, so `(exceptionId, action)` is the entry's key and a second write of it is refused.
 */
export interface AuditEntry {
  readonly exceptionId: string;
  readonly action: ExceptionAction;
  /** When (ISO). */
  readonly at: string;
  /** Who, as they named themselves (`--by`, a ServiceNow user); null where the bridge acted. */
  readonly by: string | null;
  readonly why: string | null;
  /**
   * The caller's verified AWS identity (STS GetCallerIdentity ARN) when the change was made
   * against the deployed table: the audit does not rest on `by` alone. Absent for local state.
   */
  readonly verifiedIdentity?: string | undefined;
}

/** An exception with its audit entries, oldest first. */
export interface AuditedException {
  readonly exception: FindingException;
  readonly audit: readonly AuditEntry[];
}

/** What a revocation sets on the exception, once. */
export interface Revocation {
  readonly revokedAt: string;
  readonly revokedBy: string;
  readonly revocation: string;
}

/** Where exceptions and their audit trail live. */
export interface ExceptionStore {
  /**
   * Records a new exception and its `created` entry together.
   * @throws when an exception with that id exists (ids are random: never in practice).
   */
  createException(exception: FindingException, created: AuditEntry): Promise<void>;
  /**
   * Sets the revocation on an unrevoked exception and appends its `revoked` entry together.
   * @returns the exception after it, or undefined when it does not exist or was already revoked.
   */
  revokeException(
    tenant: string,
    exceptionId: string,
    revocation: Revocation,
    revoked: AuditEntry,
  ): Promise<FindingException | undefined>;
  /**
   * Appends one entry (the bridge's `expired` and `expiring`).
   * @returns false when that action's entry is already there: it is never overwritten.
   */
  appendAudit(tenant: string, entry: AuditEntry): Promise<boolean>;
  /** Every exception of the tenant (revoked and expired included) with its audit trail. */
  listExceptions(tenant: string): Promise<AuditedException[]>;
  /** One exception with its audit trail, or undefined. */
  getException(tenant: string, exceptionId: string): Promise<AuditedException | undefined>;
}
