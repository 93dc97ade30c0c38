import { describe, expect, it } from 'vitest';
import { HttpError } from '#simulator/errors.ts';
import { DEFAULT_LIMIT, pageOf, parsePaging } from '#simulator/paging.ts';

const ITEMS = Array.from({ length: 10 }, (_, index) => ({ id: index + 1 }));

describe('parsePaging', () => {
  it.each([
    [undefined, undefined, { offset: 0, limit: DEFAULT_LIMIT }],
    ['0', '20', { offset: 0, limit: 20 }],
    ['40', '1000', { offset: 40, limit: 1000 }],
    ['7', '0', { offset: 7, limit: 0 }],
  ])('reads offset %j and limit %j as %j', (offset, limit, expected) => {
    expect(parsePaging(offset, limit, 1000)).toEqual(expected);
  });

  it('caps the default limit at a smaller maximum page size', () => {
    expect(parsePaging(undefined, undefined, 50)).toEqual({ offset: 0, limit: 50 });
  });

  it.each([
    ['offset', '-1', '10', 'query parameter "offset" must be a non-negative integer, got "-1"'],
    ['offset', 'abc', '10', '"offset" must be a non-negative integer'],
    ['limit', '0', '1.5', '"limit" must be a non-negative integer, got "1.5"'],
    ['limit', '0', '', '"limit" must be a non-negative integer, got ""'],
    ['limit', '0', ' 5', '"limit" must be a non-negative integer'],
    ['limit', '0', '1001', 'query parameter "limit" must be at most 1000, got 1001'],
  ])('rejects a bad %s with a 400 naming it', (_name, offset, limit, message) => {
    const attempt = () => parsePaging(offset, limit, 1000);
    expect(attempt).toThrow(HttpError);
    expect(attempt).toThrow(message);
  });
});

describe('pageOf', () => {
  it('slices an unfiltered list and reports its full length', () => {
    expect(pageOf(ITEMS, { offset: 3, limit: 2 })).toEqual({ total: 10, results: [{ id: 4 }, { id: 5 }] });
  });

  it('returns an empty page past the end with the same total', () => {
    expect(pageOf(ITEMS, { offset: 50, limit: 5 })).toEqual({ total: 10, results: [] });
  });

  it('counts every match as total but keeps only the requested page of matches', () => {
    const even = (item: { id: number }) => item.id % 2 === 0;
    expect(pageOf(ITEMS, { offset: 1, limit: 2 }, even)).toEqual({
      total: 5,
      results: [{ id: 4 }, { id: 6 }],
    });
  });

  it('returns only the total for limit 0', () => {
    expect(pageOf(ITEMS, { offset: 0, limit: 0 })).toEqual({ total: 10, results: [] });
  });
});
