/**
 * The CLI's logger: warnings and errors as short human lines on stderr (info too with
 * `--verbose`), attributes as `key=value`. The token never reaches it (it travels as a `Secret`).
 */
import type { LogAttributes, Logger } from '#shared/logger.ts';

/** A logger writing to `write`. */
export function stderrLogger(write: (text: string) => void, verbose: boolean): Logger {
  const line = (level: string, message: string, attributes: LogAttributes[]) => {
    const details = attributes
      .flatMap((attrs) => Object.entries(attrs))
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    write(`${level}: ${message}${details ? ` (${details})` : ''}\n`);
  };
  return {
    debug: () => {},
    info: (message, ...attributes) => {
      if (verbose) line('info', message, attributes);
    },
    warn: (message, ...attributes) => line('warning', message, attributes),
    error: (message, ...attributes) => line('error', message, attributes),
  };
}
