import { describe, expect, it } from 'vitest';
import { and, eq, or, renderFilter } from '#shared/dspm/filter.ts';
import { encodeQuery } from '#shared/dspm/transport.ts';

describe('filter builder', () => {
  it.each([
    ['a number', eq('platform_id', 0), 'platform_id eq 0'],
    ['a quoted string', eq('name', 'Unprotected'), 'name eq "Unprotected"'],
    ['a string with quotes and backslashes', eq('name', 'a "b" \\c'), 'name eq "a \\"b\\" \\\\c"'],
    ['a boolean', eq('is_enabled', true), 'is_enabled eq true'],
    [
      'an and',
      and(eq('infrastructure_connection_id', 2), eq('service_id', 4)),
      'infrastructure_connection_id eq 2&&service_id eq 4',
    ],
    ['an or', or(eq('id', 1000004), eq('id', 1000005)), 'id eq 1000004||id eq 1000005'],
    ['an or of ands', or(and(eq('a', 1), eq('b', 2)), eq('c', 'x')), 'a eq 1&&b eq 2||c eq "x"'],
  ])('renders %s', (_case, filter, expected) => {
    expect(renderFilter(filter)).toBe(expected);
  });

  it.each([['bad field'], ['x;drop'], [''], ['1abc']])('refuses the field name "%s"', (field) => {
    expect(() => eq(field, 1)).toThrow(/not a plain field name/);
  });

  it('refuses a number that is not finite', () => {
    expect(() => eq('id', Number.NaN)).toThrow(/finite number/);
  });

  it('percent-encodes the whole value so the && between clauses stays inside the parameter', () => {
    // Arrange
    const filter = renderFilter(and(eq('infrastructure_connection_id', 2), eq('service_id', 4)));
    // Act
    const query = encodeQuery({ offset: 0, limit: 100, filter });
    // Assert
    expect(query).toBe(
      '?offset=0&limit=100&filter=infrastructure_connection_id%20eq%202%26%26service_id%20eq%204',
    );
    expect(new URLSearchParams(query).get('filter')).toBe(filter);
    expect([...new URLSearchParams(query).keys()]).toEqual(['offset', 'limit', 'filter']);
  });

  it('leaves out query values that are undefined', () => {
    expect(encodeQuery({ offset: 0, filter: undefined })).toBe('?offset=0');
    expect(encodeQuery({})).toBe('');
  });
});
