import { describe, expect, it } from 'vitest';
import { allowOnly, decodeQuery } from '#simulator/query.ts';

describe('decodeQuery', () => {
  it('decodes percent-encoding and + as a space', () => {
    expect(decodeQuery(new URLSearchParams('filter=id%20eq%201%26%26name+eq+x&offset=0'))).toEqual({
      filter: 'id eq 1&&name eq x',
      offset: '0',
    });
  });

  it("turns the guide's raw && into a stray parameter holding the filter's tail", () => {
    expect(
      decodeQuery(new URLSearchParams('filter=infrastructure_connection_id%20eq%202&&service_id%20eq%204')),
    ).toEqual({
      filter: 'infrastructure_connection_id eq 2',
      'service_id eq 4': '',
    });
  });

  it('keeps every value of a repeated parameter', () => {
    expect(decodeQuery(new URLSearchParams('limit=1&limit=2'))).toEqual({ limit: ['1', '2'] });
  });
});

describe('allowOnly', () => {
  it('returns the allowed parameters', () => {
    expect(allowOnly({ offset: '5', filter: 'id eq 1' }, ['offset', 'limit', 'filter'])).toEqual({
      offset: '5',
      filter: 'id eq 1',
    });
  });

  it.each([
    [
      { 'service_id eq 4': '' },
      'unknown query parameter "service_id eq 4": it looks like the tail of a filter',
    ],
    [{ page: '2' }, 'unknown query parameter "page"; this route accepts offset, limit, filter'],
    [{ limit: ['1', '2'] }, 'query parameter "limit" is given more than once'],
  ])('rejects %j with a 400 naming the parameter', (query, message) => {
    expect(() => allowOnly(query, ['offset', 'limit', 'filter'])).toThrow(message);
  });

  it('says when a route takes no parameters at all', () => {
    expect(() => allowOnly({ x: '1' }, [])).toThrow('this route takes no query parameters');
  });
});
