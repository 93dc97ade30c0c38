/**
 * When an exception ends (domain). Every exception ends: at most 365 days after it was made.
 * `expires` is an ISO 8601 time (`2027-03-01`, `2027-03-01T12:00:00Z`) or a duration from now
 * (`90d`, `12w`, `48h`, ISO 8601 `P90D`, `P12W`, `PT48H`).
 */

import { ExceptionValidationError } from './exception-errors.ts';
import type { ExceptionReason } from './exception-request.ts';

/** The longest an exception may last. */
export const MAX_EXCEPTION_DAYS = 365;

/** What a `false-positive` lasts when no expiry is given. */
export const FALSE_POSITIVE_DEFAULT_DAYS = 365;

/** How long before `expiresAt` the `expiring` reminder goes out. */
export const EXPIRING_NOTICE_DAYS = 7;

const DAY_MS = 24 * 3600_000;
const UNIT_MS = { h: 3600_000, d: DAY_MS, w: 7 * DAY_MS } as const;
const SHORT_DURATION = /^(\d{1,4})([hdw])$/;
const ISO_DURATION = /^P(?:(\d{1,4})([DW])|T(\d{1,5})H)$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * The end of an exception of `reason` made at `now`.
 * @throws ExceptionValidationError (field `expires`) when it is missing where required, not a
 *   time or duration, not in the future, or more than 365 days ahead.
 */
export function resolveExpiry(expires: string | undefined, reason: ExceptionReason, now: Date): Date {
  const text = expires?.trim();
  if (text === undefined || text === '') {
    if (reason !== 'false-positive')
      throw new ExceptionValidationError(
        'expires',
        `a ${reason} exception needs an expiry (a duration such as 90d or an ISO 8601 time), at most ${MAX_EXCEPTION_DAYS} days ahead`,
      );
    return new Date(now.getTime() + FALSE_POSITIVE_DEFAULT_DAYS * DAY_MS);
  }
  const at = new Date(now.getTime() + durationMs(text));
  const end = Number.isNaN(at.getTime()) ? parseTime(text) : at;
  if (end.getTime() <= now.getTime())
    throw new ExceptionValidationError('expires', `"${text}" is not in the future`);
  if (end.getTime() > now.getTime() + MAX_EXCEPTION_DAYS * DAY_MS)
    throw new ExceptionValidationError(
      'expires',
      `"${text}" is more than ${MAX_EXCEPTION_DAYS} days ahead; every exception ends within ${MAX_EXCEPTION_DAYS} days (renew it then)`,
    );
  return end;
}

/** The milliseconds of a duration, or NaN when `text` is not one. */
function durationMs(text: string): number {
  const short = SHORT_DURATION.exec(text);
  if (short) return Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS];
  const iso = ISO_DURATION.exec(text);
  if (!iso) return Number.NaN;
  if (iso[3] !== undefined) return Number(iso[3]) * UNIT_MS.h;
  return Number(iso[1]) * (iso[2] === 'W' ? UNIT_MS.w : UNIT_MS.d);
}

function parseTime(text: string): Date {
  const at = ISO_TIME.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new ExceptionValidationError(
      'expires',
      `"${text}" is neither a duration (90d, 12w, 48h, P90D) nor an ISO 8601 time (2027-03-01T00:00:00Z)`,
    );
  return at;
}
