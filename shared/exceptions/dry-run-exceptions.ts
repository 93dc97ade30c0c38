/**
 * The exceptions of a dry run: read from the real store, never written (the poll's `expired` and
 * `expiring` entries are dropped and reported as written, as the dry-run state store does).
 */
import type { FindingException } from '../events/contract.ts';
import type { AuditedException, ExceptionStore } from './exception-store.ts';

/** Reads through to `real`; writes nothing. */
export class DryRunExceptionStore implements ExceptionStore {
  readonly #real: ExceptionStore;

  constructor(real: ExceptionStore) {
    this.#real = real;
  }

  async createException(): Promise<void> {}
  async revokeException(): Promise<FindingException | undefined> {
    return undefined;
  }
  async appendAudit(): Promise<boolean> {
    return true;
  }
  listExceptions(tenant: string): Promise<AuditedException[]> {
    return this.#real.listExceptions(tenant);
  }
  getException(tenant: string, exceptionId: string): Promise<AuditedException | undefined> {
    return this.#real.getException(tenant, exceptionId);
  }
}
