/**
 * A secret string that refuses to be printed. `String(secret)`, `JSON.stringify`, template
 * literals and `util.inspect` (so `console.log` and Powertools' logger) all show `[redacted]`;
 * only `reveal()` gives the value, and only the HTTP transport calls it, to set a header.
 */
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/** A string that is never printed by accident. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself. Call it only where the value must leave the process (an auth header). */
  reveal(): string {
    return this.#value;
  }

  /** True when both hold the same value. */
  equals(other: Secret): boolean {
    return this.#value === other.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
