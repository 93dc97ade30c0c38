import { describe, expect, it } from 'vitest';
import {
  padJson,
  retryAfterHeader,
  shiftTotal,
  truncateJson,
  wrongShape,
} from '#simulator/fault-responses.ts';
import { FaultQueue, parseFaultRule } from '#simulator/faults.ts';

const listing = { method: 'GET', route: 'data_stores/connected', offset: 0 };

describe('FaultQueue', () => {
  it('hits one matching request by default and is then used up', () => {
    const queue = new FaultQueue(1);
    queue.add({ kind: 'status', status: 503 });
    expect(queue.take(listing)?.kind).toBe('status');
    expect(queue.take(listing)).toBeUndefined();
    expect(queue.pending()).toBe(0);
  });

  it('hits count matching requests', () => {
    const queue = new FaultQueue(1);
    queue.add({ kind: 'reset', count: 3 });
    const kinds = Array.from({ length: 4 }, () => queue.take(listing)?.kind);
    expect(kinds).toEqual(['reset', 'reset', 'reset', undefined]);
  });

  it('hands rules out in the order they were added', () => {
    const queue = new FaultQueue(1);
    queue.add({ kind: 'status', status: 500 });
    queue.add({ kind: 'hang' });
    expect([queue.take(listing)?.kind, queue.take(listing)?.kind]).toEqual(['status', 'hang']);
  });

  it.each([
    [{ method: 'put' }, false],
    [{ method: 'get' }, true],
    [{ route: '/api/v2/dspm/data_stores/connected' }, true],
    [{ route: 'data_tags' }, false],
    [{ offset: 100 }, false],
    [{ offset: 0 }, true],
  ])('matches %j against a first-page listing: %s', (match, hit) => {
    const queue = new FaultQueue(1);
    queue.add({ kind: 'status', match });
    expect(queue.take(listing) !== undefined).toBe(hit);
  });

  it('skips a rule that does not match and keeps it for later', () => {
    const queue = new FaultQueue(1);
    queue.add({ kind: 'status', match: { offset: 100 } });
    expect(queue.take(listing)).toBeUndefined();
    expect(queue.take({ ...listing, offset: 100 })?.kind).toBe('status');
  });

  it('draws probabilities from the seed, so the same seed hits the same requests', () => {
    const hits = (seed: number) => {
      const queue = new FaultQueue(seed);
      queue.add({ kind: 'status', probability: 0.3, count: 1_000 });
      return Array.from({ length: 200 }, () => queue.take(listing) !== undefined);
    };
    const first = hits(42);
    expect(hits(42)).toEqual(first);
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);
  });

  it('lists pending rules with what is left and clears them', () => {
    const queue = new FaultQueue(1);
    queue.add({ kind: 'total-mismatch', delta: 2, count: 2 });
    queue.take(listing);
    expect(queue.list()).toEqual([{ rule: { kind: 'total-mismatch', delta: 2, count: 2 }, remaining: 1 }]);
    queue.clear();
    expect(queue.pending()).toBe(0);
  });
});

describe('parseFaultRule', () => {
  it('normalizes the match criteria', () => {
    expect(
      parseFaultRule({
        kind: 'rate-limit',
        retryAfterDate: true,
        match: { method: 'get', route: '/data_tags/' },
      }),
    ).toEqual({
      kind: 'rate-limit',
      retryAfterDate: true,
      match: { method: 'GET', route: 'data_tags' },
    });
  });

  it.each([
    ['not an object', 'a rule must be a JSON object'],
    [{ kind: 'explode' }, '"kind" must be one of status, rate-limit'],
    [{ kind: 'status', status: 200 }, '"status" must be a 4xx or 5xx code'],
    [{ kind: 'status', count: 0 }, '"count" must be a positive integer'],
    [{ kind: 'status', probability: 2 }, '"probability" must be between 0 and 1'],
    [{ kind: 'rate-limit', retry_after: 3 }, 'unknown field "retry_after" for kind "rate-limit"'],
    [{ kind: 'reset', bytes: 3 }, 'unknown field "bytes" for kind "reset"'],
    [{ kind: 'oversized', bytes: -1 }, '"bytes" must be a positive integer'],
    [{ kind: 'total-mismatch', delta: 0 }, '"delta" must be a non-zero integer'],
    [{ kind: 'status', match: { path: 'x' } }, 'unknown field "match.path"'],
    [{ kind: 'status', match: { offset: '5' } }, '"match.offset" must be a non-negative integer'],
  ])('rejects %j', (rule, message) => {
    expect(() => parseFaultRule(rule)).toThrow(message);
  });
});

describe('response reshaping', () => {
  it.each(['{"total":3,"results":[{"id":1}]}', '11', '[]', '{"id":11,"name":"Unprotected"}'])(
    'truncates %s into text that is not JSON',
    (text) => {
      const cut = truncateJson(text);
      expect(text.startsWith(cut)).toBe(true);
      expect(() => JSON.parse(cut)).toThrow(SyntaxError);
    },
  );

  it('stringifies total and the first id of a results page', () => {
    expect(wrongShape({ total: 2, results: [{ id: 1 }, { id: 2 }] })).toEqual({
      total: '2',
      results: [{ id: '1' }, { id: 2 }],
    });
  });

  it('stringifies the first id of a data_tags page too', () => {
    expect(wrongShape({ total: 1, data_tags: [{ id: 11 }] })).toEqual({
      total: '1',
      data_tags: [{ id: '11' }],
    });
  });

  it('stringifies a bare number and the id of a single object', () => {
    expect([wrongShape(11), wrongShape({ id: 6, name: 'x' })]).toEqual(['11', { id: '6', name: 'x' }]);
  });

  it('moves total by delta and leaves bodies without a total alone', () => {
    expect(shiftTotal({ total: 3, results: [] }, -1)).toEqual({ total: 2, results: [] });
    expect(shiftTotal(11, 1)).toBe(11);
  });

  it('pads to the exact size with whitespace and keeps the same JSON value', () => {
    const padded = padJson('{"total":0,"results":[]}', 4096);
    expect(padded.length).toBe(4096);
    expect(JSON.parse(padded.toString('utf8'))).toEqual({ total: 0, results: [] });
  });

  it.each([
    [3, false, 0, '3'],
    [2.2, false, 0, '3'],
    [5, true, Date.UTC(2026, 10, 22, 10, 0, 0, 400), 'Sun, 22 Nov 2026 10:00:06 GMT'],
    [5, true, Date.UTC(2026, 10, 22, 10, 0, 0, 0), 'Sun, 22 Nov 2026 10:00:05 GMT'],
  ])('writes Retry-After for %d seconds (as date: %s)', (seconds, asDate, now, expected) => {
    expect(retryAfterHeader(seconds, asDate, now)).toBe(expected);
  });
});
