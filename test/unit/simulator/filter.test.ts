import { describe, expect, it } from 'vitest';
import type { FieldSchema } from '#simulator/fields.ts';
import { compileFilter, FilterError, parseFilter } from '#simulator/filter.ts';

const SCHEMA: FieldSchema = {
  id: 'integer',
  name: 'string',
  is_enabled: 'boolean',
  data_tags: 'integer[]',
  organization_id: 'string?',
  encryption: 'on-off',
};

const ITEMS = [
  { id: 1, name: 'engineering', is_enabled: true, data_tags: [], organization_id: '567', encryption: 'Off' },
  { id: 2, name: 'finance', is_enabled: false, data_tags: [11], organization_id: null, encryption: 'On' },
  {
    id: 3,
    name: 'Production DB',
    is_enabled: true,
    data_tags: [11, 12],
    organization_id: '567',
    encryption: 'On',
  },
  { id: 4, name: 'say "hi"', is_enabled: false, data_tags: [12], organization_id: null, encryption: 'On' },
  { id: 5, name: '42', is_enabled: true, data_tags: [], organization_id: '890', encryption: 'On' },
];

function matchingIds(filter: string): number[] {
  const matches = compileFilter(parseFilter(filter), SCHEMA, 'things');
  return ITEMS.filter((item) => matches(item)).map((item) => item.id);
}

function errorOf(filter: string): string {
  try {
    compileFilter(parseFilter(filter), SCHEMA, 'things');
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    expect((error as FilterError).status).toBe(400);
    return (error as Error).message;
  }
  throw new Error(`filter ${filter} was accepted`);
}

describe('parseFilter', () => {
  it('parses a single clause into one group of one clause', () => {
    expect(parseFilter('platform_id eq 0')).toEqual([
      [{ field: 'platform_id', value: { text: '0', quoted: false } }],
    ]);
  });

  it('groups && inside || so that && binds tighter', () => {
    const ast = parseFilter('a eq 1 && b eq 2 || c eq 3');
    expect(ast.map((group) => group.map((clause) => clause.field))).toEqual([['a', 'b'], ['c']]);
  });

  it('unescapes \\" and \\\\ inside quoted strings and keeps other backslashes', () => {
    const [[clause]] = parseFilter('name eq "a \\"b\\" c\\\\d\\n"') as unknown as [
      [{ value: { text: string } }],
    ];
    expect(clause.value.text).toBe('a "b" c\\d\\n');
  });

  it('keeps && and || inside a quoted string as text', () => {
    expect(parseFilter('name eq "x && y || z"')).toEqual([
      [{ field: 'name', value: { text: 'x && y || z', quoted: true } }],
    ]);
  });
});

describe('compileFilter matching', () => {
  it.each([
    ['id eq 2', [2]],
    ['id eq 99', []],
    ['name eq finance', [2]],
    ['name eq "finance"', [2]],
    ['name eq "Production DB"', [3]],
    ['name eq "say \\"hi\\""', [4]],
    ['name eq 42', [5]],
    ['name eq Finance', []],
    ['is_enabled eq true', [1, 3, 5]],
    ['is_enabled eq false', [2, 4]],
    ['data_tags eq 11', [2, 3]],
    ['organization_id eq null', [2, 4]],
    ['organization_id eq 567', [1, 3]],
    ['encryption eq Off', [1]],
    ['id eq 1 || id eq 3', [1, 3]],
    ['is_enabled eq true && data_tags eq 11', [3]],
    ['id eq 1 || is_enabled eq false && data_tags eq 12', [1, 4]],
    ['is_enabled eq false && data_tags eq 12 || id eq 1', [1, 4]],
    ['id eq 1&&name eq engineering', [1]],
    ['id eq 1||id eq 2', [1, 2]],
    ['  id   eq   1  ||  id eq 2  ', [1, 2]],
    ['id\teq\t5', [5]],
    ['id eq -1', []],
  ])('%s matches ids %j', (filter, ids) => {
    expect(matchingIds(filter)).toEqual(ids);
  });
});

describe('rejected filters', () => {
  it("rejects the guide's typo 'ideq 21000005' and points at the missing space", () => {
    const message = errorOf('id eq 1000004||ideq 21000005');
    expect(message).toContain('malformed clause "ideq 21000005"');
    expect(message).toContain('a space is missing: "id eq ..."');
  });

  it.each([
    ['', 'the filter is empty'],
    ['   ', 'the filter is empty'],
    ['unknown eq 1', 'unknown field "unknown" for things'],
    ['id ne 1', 'unsupported operator "ne" in clause "id ne 1"'],
    ['id eq', 'clause "id eq" has no value'],
    ['id', 'malformed clause "id"'],
    ['id eq 1 &&', 'expected a clause after "&&"'],
    ['|| id eq 1', 'expected a clause before "||" at character 1'],
    ['id eq 1 && || id eq 2', 'expected a clause before "||"'],
    ['name eq two words', 'unexpected "words" after clause "name eq two"'],
    ['name eq "open', 'unterminated quoted string starting at character 9'],
    ['name eq "a"b', 'right after the quoted string'],
    ['name eq"a"', `unexpected '"' inside "eq""`],
    ["name eq 'a'", 'single quotes are not supported'],
    ['"id" eq 1', 'a clause starts with a field name'],
    ['id eq abc', 'field "id" is an integer; abc is not an integer'],
    ['id eq "1"', 'field "id" is an integer; "1" is not an integer'],
    ['id eq 1.5', 'field "id" is an integer'],
    ['id eq 99999999999999999999', 'field "id" is an integer'],
    ['is_enabled eq yes', 'field "is_enabled" is a boolean; yes is not true or false'],
    ['is_enabled eq "true"', 'field "is_enabled" is a boolean'],
    ['data_tags eq x', 'field "data_tags" is a list of integers'],
    ['encryption eq off', 'field "encryption" is "On" or "Off"'],
    ['toString eq 1', 'unknown field "toString"'],
  ])('rejects %j with a message naming the problem', (filter, expected) => {
    expect(errorOf(filter)).toContain(expected);
  });

  it('prefixes every message so the caller knows it was the filter', () => {
    expect(errorOf('nope eq 1')).toMatch(/^invalid filter: /);
  });

  it('lists the filterable fields when the field is unknown', () => {
    expect(errorOf('nope eq 1')).toContain('filterable fields: id, name, is_enabled');
  });
});
