/**
 * The one `Retry-After` reading of the HTTP clients (shared/http/retry-after.ts): delay-seconds or
 * an HTTP-date in any of RFC 9110's three forms, capped where the caller says; anything else reads
 * as absent.
 */
import { describe, expect, it } from 'vitest';
import { readRetryAfter } from '#shared/http/retry-after.ts';

const nowMs = Date.parse('2026-11-22T10:00:00Z');
const hourMs = 3_600_000;
const monthMs = 30 * 24 * hourMs;

describe('readRetryAfter', () => {
  it.each<[string, string | readonly string[] | undefined, number | undefined]>([
    ['delay-seconds', '3', 3000],
    ['zero seconds', '0', 0],
    ['delay-seconds with whitespace around', '  7 ', 7000],
    ['a decimal fraction of seconds, rounded up to whole ms', '0.5', 500],
    ['a fraction finer than a millisecond', '0.0001', 1],
    ['an IMF-fixdate', 'Sun, 22 Nov 2026 10:00:05 GMT', 5000],
    ['an RFC 850 date', 'Sunday, 22-Nov-26 10:00:05 GMT', 5000],
    ['an asctime date, read as GMT', 'Sun Nov 22 10:00:05 2026', 5000],
    ['an asctime date with a one-digit day', 'Sun Dec  6 10:00:00 2026', 14 * 24 * hourMs],
    ['a date already past', 'Sun, 22 Nov 2026 09:00:00 GMT', 0],
    ['the first of a repeated header', ['2', '9'], 2000],
    ['absent', undefined, undefined],
    ['empty', '', undefined],
    ['blank', '   ', undefined],
    ['a negative number', '-3', undefined],
    ['a word', 'soon', undefined],
    ['an exponent', '1e3', undefined],
    ['a hexadecimal number', '0x10', undefined],
    ['seconds with a unit', '3s', undefined],
    ['an ISO 8601 date, not an HTTP-date', '2026-11-22T10:00:05Z', undefined],
    ['an IMF-fixdate with an hour that does not exist', 'Sun, 22 Nov 2026 25:00:05 GMT', undefined],
    ['a date in another zone', 'Sun, 22 Nov 2026 10:00:05 CET', undefined],
  ])('reads %s (%j) as %j ms', (_case, header, expected) => {
    expect(readRetryAfter(header, { nowMs, maxMs: monthMs })).toBe(expected);
  });

  it.each<[string, string, number]>([
    ['delay-seconds over the cap', '7200', hourMs],
    ['an HTTP-date past the cap', 'Mon, 23 Nov 2026 10:00:00 GMT', hourMs],
    ['a wait exactly at the cap', '3600', hourMs],
    ['a wait under the cap', '3599', 3_599_000],
  ])('caps %s at the caller’s maximum', (_case, header, expected) => {
    expect(readRetryAfter(header, { nowMs, maxMs: hourMs })).toBe(expected);
  });
});
