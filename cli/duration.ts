/** Durations on the command line: `500ms`, `90s`, `15m`, `1h`, or plain seconds. */
import { UsageError } from './io.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** The shortest duration accepted: short loops are for trying things out against the simulator. */
const MIN_MS = 100;

/**
 * Parses a duration into milliseconds.
 * @throws UsageError naming the flag when the text is not a duration of at least 100 ms.
 */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|[smh]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be a duration like 90s, 15m or 1h, got "${text}"`);
  const ms = Number(match[1]) * (UNITS[match[2] || 's'] ?? 1_000);
  if (ms < MIN_MS) throw new UsageError(`${flag} must be at least ${MIN_MS}ms, got "${text}"`);
  return ms;
}
