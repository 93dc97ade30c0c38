/**
 * The logging port. Its shape is a subset of Powertools' `Logger`, so the Lambda passes its
 * Powertools logger and the CLI and tests pass their own. Attributes are structured; no message
 * ever carries the token (it travels as a `Secret`, which prints as `[redacted]`).
 */

/** Structured attributes of a log line. */
export type LogAttributes = Record<string, unknown>;

/** What the library logs through (structurally Powertools' `Logger`: a message, then attribute objects). */
export interface Logger {
  debug(message: string, ...attributes: LogAttributes[]): void;
  info(message: string, ...attributes: LogAttributes[]): void;
  warn(message: string, ...attributes: LogAttributes[]): void;
  error(message: string, ...attributes: LogAttributes[]): void;
}

/** A logger that drops everything (the default where none is given). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
