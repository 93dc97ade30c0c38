/**
 * `Retry-After` (RFC 9110 §10.2.3), read one way for every HTTP client of the bridge (DSPM, Slack,
 * ServiceNow). Hand-written because the rules are a dozen lines and undici reads no response
 * headers for us; the rules:
 *
 * - `delay-seconds` (digits, surrounding whitespace ignored) is a wait of that many seconds. A
 *   decimal fraction (`0.5`) is read too, beyond the RFC's `1*DIGIT`, and rounded up to whole ms.
 * - An `HTTP-date` in one of the RFC's three forms (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`,
 *   the obsolete RFC 850 and asctime forms, which recipients must still accept) is a wait until
 *   then, measured from the caller's clock; a date already past is a wait of 0. asctime carries no
 *   zone and is read as GMT, as HTTP dates always are.
 * - Anything else (absent, blank, negative, `soon`, an ISO date, `1e3`, `0x10`) is invalid and
 *   reads as absent: undefined, so the caller falls back to what it does without the header.
 * - The wait is never more than the caller's cap (`maxMs`), so an absurd date cannot become a
 *   sleep past what Node's timers hold (2^31-1 ms, beyond which they fire at once). A caller that
 *   refuses waits longer than it can afford compares the result with its own, lower threshold.
 */
import { headerValue } from './headers.ts';

/** What reading `Retry-After` needs from the caller. */
export interface RetryAfterOptions {
  /** The caller's clock, in ms since the epoch: an HTTP-date is a wait from this instant. */
  readonly nowMs: number;
  /** The longest wait reported; a longer one reads as this. */
  readonly maxMs: number;
}

const DELAY_SECONDS = /^\d+(\.\d+)?$/;
const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} \\d{4}$`);

/**
 * The wait a `Retry-After` header asks for, in milliseconds, at most `options.maxMs`; undefined
 * when the header is absent or invalid (see the module's rules). A repeated header is read by its
 * first value.
 */
export function readRetryAfter(
  header: string | readonly string[] | undefined,
  options: RetryAfterOptions,
): number | undefined {
  const value = headerValue(header)?.trim();
  if (!value) return undefined;
  const waitMs = DELAY_SECONDS.test(value)
    ? Math.ceil(Number(value) * 1000)
    : untilHttpDate(value, options.nowMs);
  return waitMs === undefined ? undefined : Math.min(waitMs, options.maxMs);
}

/** Milliseconds from `nowMs` to an HTTP-date (0 when past); undefined when `value` is none. */
function untilHttpDate(value: string, nowMs: number): number | undefined {
  let at: number;
  if (IMF_FIXDATE.test(value) || RFC850_DATE.test(value)) at = Date.parse(value);
  else if (ASCTIME_DATE.test(value)) at = Date.parse(`${value} GMT`);
  else return undefined;
  // The shape was right but the date is not one (hour 25): as invalid as any other value.
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
