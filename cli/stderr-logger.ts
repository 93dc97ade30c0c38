/**
 * The CLI's logger: warnings and errors as short human lines on stderr (info too with
 * `--verbose`), attributes as `key=value`. The token never reaches it (it travels as a `Secret`).
 * A message repeated per store (10,000 refused events) is shown a few times, then once more to say
 * the rest are not shown: the command's own summary line counts them.
 */
import type { LogAttributes, Logger } from '#shared/logger.ts';

/** How many lines of one message are shown before the rest are held back. */
export const REPEATS_SHOWN = 3;

/** A logger writing to `write`; `resetRepeats` starts the repeat count afresh (each poll pass). */
export function stderrLogger(
  write: (text: string) => void,
  verbose: boolean,
): Logger & { resetRepeats(): void } {
  const repeats = new Map<string, number>();
  const line = (level: string, message: string, attributes: LogAttributes[]) => {
    const key = `${level}\u0000${message}`;
    const seen = (repeats.get(key) ?? 0) + 1;
    repeats.set(key, seen);
    if (seen > REPEATS_SHOWN + 1) return;
    if (seen === REPEATS_SHOWN + 1) {
      write(`${level}: ${message} (more like this are not shown)\n`);
      return;
    }
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
    resetRepeats: () => repeats.clear(),
  };
}
