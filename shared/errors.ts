/**
 * The root of every error the bridge raises on purpose: one base class that says whether trying
 * again can help, and here its generic permanent and transient kinds. The HTTP clients' families
 * extend it (shared/dspm/errors.ts, shared/servicenow/errors.ts, shared/slack/errors.ts), and so
 * do the use cases' own errors. Entry points narrow with `instanceof BridgeError` (or read
 * `retryable`), never by matching messages.
 *
 * An error's `name` is its class name and is stable: the poll workflow's Retry and Catch rules
 * match it (infra/constructs/poll-workflow.ts), and esbuild's `keepNames` keeps it in the bundles.
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
