/**
 * Rounds of an occurrence: the record key the follower writes and the sync reads back, and how
 * long a message is handed back for ServiceNow's Retry-After.
 */
import { describe, expect, it } from 'vitest';
import { ServiceNowError } from '#shared/servicenow/errors.ts';
import { handBackSeconds, MAX_VISIBILITY_SECONDS } from '#shared/servicenow/hand-back.ts';
import { parseRecordKey, recordKey } from '#shared/servicenow/record-key.ts';

const OCCURRENCE = 'example.goskope.com/data-store/42/finding/public-access/3';

describe('record keys', () => {
  it('keys round 1 by the occurrence itself and later rounds with /r<round>', () => {
    expect(recordKey(OCCURRENCE, 1)).toBe(OCCURRENCE);
    expect(recordKey(OCCURRENCE, 2)).toBe(`${OCCURRENCE}/r2`);
  });

  it.each([1, 2, 17])('reads back round %i: tenant, finding and occurrence', (round) => {
    expect(parseRecordKey(recordKey(OCCURRENCE, round))).toEqual({
      tenant: 'example.goskope.com',
      findingId: 'example.goskope.com/data-store/42/finding/public-access',
      correlationId: OCCURRENCE,
      round,
    });
  });

  it.each(['', 'INC0010001', 'example.goskope.com/data-store/42/finding/public-access', `${OCCURRENCE}/x2`])(
    'refuses %j, which the bridge never writes',
    (key) => {
      expect(parseRecordKey(key)).toBeUndefined();
    },
  );
});

describe('handing a message back for Retry-After', () => {
  const throttled = (retryAfterMs: number | undefined) =>
    new ServiceNowError('429', { status: 429, method: 'GET', path: '/api/now/table/incident', retryAfterMs });

  it('hands back a wait longer than the invocation can afford, rounded up to whole seconds', () => {
    expect(handBackSeconds(throttled(300_000), 20_000)).toBe(300);
    expect(handBackSeconds(throttled(20_001), 20_000)).toBe(21);
  });

  it("leaves a short wait to the client, and caps a long one at SQS's 12 hours", () => {
    expect(handBackSeconds(throttled(20_000), 20_000)).toBeUndefined();
    expect(handBackSeconds(throttled(undefined), 20_000)).toBeUndefined();
    expect(handBackSeconds(new Error('other'), 20_000)).toBeUndefined();
    expect(handBackSeconds(throttled(48 * 3600_000), 20_000)).toBe(MAX_VISIBILITY_SECONDS);
  });
});
