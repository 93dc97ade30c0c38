/**
 * The bridge's own errors outside the DSPM client (which has its family in shared/dspm/errors.ts):
 * one base class that says whether trying again can help, a permanent kind and a transient kind.
 * Entry points narrow with `instanceof` (or read `retryable`), never by matching messages.
 */

/** Base of the bridge's errors. */
export abstract class BridgeError extends Error {
  /** True when the same work may succeed later without anyone changing anything. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration is missing or wrong; the message names the variable or key and what was expected. */
export class ConfigError extends BridgeError {
  readonly retryable = false;
}

/**
 * A dependency (AWS, the state store, another invocation holding a lock) could not do its part
 * just now; the message says what. Retrying the work later is the fix: the tagger's record goes
 * back to SQS, the next poll finds the change again.
 */
export class TransientError extends BridgeError {
  readonly retryable = true;
}
