/**
 * A request for an exception the bridge refuses: the field that is wrong and why. The CLI maps
 * `field` to its flag (a usage error, exit 2); ServiceNow's follower logs it with the record.
 */
import { BridgeError } from '../errors.ts';

/** The fields of an `ExceptionRequest` (and of a revoke) an error can name. */
export type ExceptionField =
  | 'scope'
  | 'scope.findingId'
  | 'scope.condition'
  | 'scope.dataTag'
  | 'scope.dataStoreIds'
  | 'reason'
  | 'justification'
  | 'requestedBy'
  | 'approvedBy'
  | 'expires'
  | 'exceptionId'
  | 'revokedBy';

/** The request is invalid: `field` says which part, the message says what was expected. */
export class ExceptionValidationError extends BridgeError {
  readonly retryable = false;
  readonly field: ExceptionField;

  constructor(field: ExceptionField, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** No exception with that id in the tenant. */
export class ExceptionNotFoundError extends BridgeError {
  readonly retryable = false;
}

/** The exception was already revoked (a revocation happens once). */
export class ExceptionAlreadyRevokedError extends BridgeError {
  readonly retryable = false;
}
