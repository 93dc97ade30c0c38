/**
 * Captures everything the code under test says (log lines, thrown errors with their causes), so a
 * test can search all of it for a secret.
 */
import { inspect } from 'node:util';
import type { LogAttributes, Logger } from '#shared/logger.ts';

/** A logger that keeps every line, and a bag for errors, searchable as one text. */
export class Capture implements Logger {
  readonly lines: { level: string; message: string; attributes: LogAttributes[] }[] = [];
  readonly errors: unknown[] = [];

  debug(message: string, ...attributes: LogAttributes[]): void {
    this.lines.push({ level: 'debug', message, attributes });
  }
  info(message: string, ...attributes: LogAttributes[]): void {
    this.lines.push({ level: 'info', message, attributes });
  }
  warn(message: string, ...attributes: LogAttributes[]): void {
    this.lines.push({ level: 'warn', message, attributes });
  }
  error(message: string, ...attributes: LogAttributes[]): void {
    this.lines.push({ level: 'error', message, attributes });
  }

  /** Runs `work`, keeps what it throws, and returns it (or fails when nothing is thrown). */
  async caught(work: () => Promise<unknown>): Promise<Error> {
    try {
      await work();
    } catch (error) {
      this.errors.push(error);
      return error as Error;
    }
    throw new Error('expected the call to fail, and it succeeded');
  }

  /** Every line and error, rendered as deeply as Node can (causes, hidden fields). */
  text(): string {
    const logs = this.lines.map((line) => JSON.stringify(line)).join('\n');
    const errors = this.errors
      .map(
        (error) =>
          `${String(error)}\n${inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })}`,
      )
      .join('\n');
    return `${logs}\n${errors}`;
  }
}
