/**
 * The `filter` query parameter: `<field> eq <value>` clauses joined by `&&` (and) and `||` (or),
 * `&&` binding tighter, no parentheses. Values are integers, `true`/`false`, `null`,
 * `"double-quoted strings"` (with `\"` and `\\` escapes) or bare words (strings). Parsing is
 * separate from compiling against a resource's fields so the grammar can be tested on its own.
 */
import { HttpError } from './errors.ts';
import type { FieldSchema, FieldType } from './fields.ts';

/** A rejected filter; always a 400 whose message says what was wrong and where. */
export class FilterError extends HttpError {
  constructor(message: string) {
    super(400, `invalid filter: ${message}`);
    this.name = 'FilterError';
  }
}

/** A clause value as written: its text (quotes and escapes removed) and whether it was quoted. */
export interface FilterLiteral {
  text: string;
  quoted: boolean;
}

/** One `<field> eq <value>` clause. */
export interface FilterClause {
  field: string;
  value: FilterLiteral;
}

/** A parsed filter in disjunctive normal form: any group matches when all of its clauses do. */
export type FilterAst = FilterClause[][];

type Token =
  | { type: 'and' | 'or'; start: number; end: number }
  | { type: 'word' | 'string'; text: string; start: number; end: number };

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER = /^-?\d+$/;

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

function atOperator(text: string, index: number): boolean {
  return text.startsWith('&&', index) || text.startsWith('||', index);
}

function readString(text: string, start: number): Token {
  let value = '';
  let index = start + 1;
  while (index < text.length) {
    const char = text[index] as string;
    const following = text[index + 1];
    if (char === '\\' && (following === '"' || following === '\\')) {
      value += following;
      index += 2;
    } else if (char === '"') {
      const after = text[index + 1];
      if (after !== undefined && !isSpace(after) && !atOperator(text, index + 1)) {
        throw new FilterError(
          `unexpected "${after}" right after the quoted string ending at character ${index + 1}`,
        );
      }
      return { type: 'string', text: value, start, end: index + 1 };
    } else {
      value += char;
      index += 1;
    }
  }
  throw new FilterError(`unterminated quoted string starting at character ${start + 1}`);
}

function readWord(text: string, start: number): Token {
  let index = start;
  while (index < text.length && !isSpace(text[index]) && !atOperator(text, index)) {
    if (text[index] === '"') {
      throw new FilterError(
        `unexpected '"' inside "${text.slice(start, index + 1)}" at character ${index + 1}: ` +
          'a quoted value must be separated from "eq" by a space',
      );
    }
    index += 1;
  }
  const word = text.slice(start, index);
  if (word.startsWith("'")) {
    throw new FilterError(`single quotes are not supported (${word}): quote strings with double quotes`);
  }
  return { type: 'word', text: word, start, end: index };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    if (isSpace(text[index])) {
      index += 1;
    } else if (atOperator(text, index)) {
      tokens.push({ type: text[index] === '&' ? 'and' : 'or', start: index, end: index + 2 });
      index += 2;
    } else {
      const token = text[index] === '"' ? readString(text, index) : readWord(text, index);
      tokens.push(token);
      index = token.end;
    }
  }
  return tokens;
}

function operatorText(token: Token): string {
  return token.type === 'and' ? '&&' : '||';
}

function parseClause(text: string, tokens: Token[]): FilterClause {
  const first = tokens[0] as Token;
  const last = tokens.at(-1) as Token;
  const clause = text.slice(first.start, last.end);
  const [field, operator, value, extra] = tokens;
  const expected = `malformed clause "${clause}": expected "<field> eq <value>"`;
  if (field?.type !== 'word' || !FIELD_NAME.test(field.text)) {
    throw new FilterError(`${expected}; a clause starts with a field name`);
  }
  if (operator === undefined) throw new FilterError(expected);
  if (value === undefined) {
    if (operator.type === 'word' && operator.text === 'eq') {
      throw new FilterError(`clause "${clause}" has no value after "eq"`);
    }
    // The guide's own example writes `ideq 21000005`: point at the missing space.
    const hint =
      field.text.length > 2 && field.text.endsWith('eq')
        ? ` (a space is missing: "${field.text.slice(0, -2)} eq ...")`
        : '';
    throw new FilterError(`${expected}${hint}`);
  }
  if (operator.type !== 'word') throw new FilterError(expected);
  if (operator.text !== 'eq') {
    throw new FilterError(
      `unsupported operator "${operator.text}" in clause "${clause}": only "eq" is supported`,
    );
  }
  if (extra !== undefined) {
    const valueText = text.slice(field.start, value.end);
    throw new FilterError(
      `unexpected "${text.slice(extra.start, extra.end)}" after clause "${valueText}": join clauses with ` +
        '&& or ||, and double-quote a value that contains spaces',
    );
  }
  if (value.type !== 'word' && value.type !== 'string') throw new FilterError(expected);
  return { field: field.text, value: { text: value.text, quoted: value.type === 'string' } };
}

/**
 * Parses a filter expression into groups of clauses (OR of ANDs). Throws {@link FilterError}
 * naming the offending clause or character for anything that is not the grammar above.
 */
export function parseFilter(text: string): FilterAst {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new FilterError('the filter is empty');
  const groups: FilterAst = [];
  let group: FilterClause[] = [];
  let clause: Token[] = [];
  let previousOperator: Token | undefined;
  const endClause = (operator: Token | undefined): void => {
    if (clause.length === 0) {
      const where = operator ?? previousOperator;
      const name = where ? operatorText(where) : '';
      throw new FilterError(
        operator
          ? `expected a clause before "${name}" at character ${operator.start + 1}`
          : `expected a clause after "${name}" at character ${(where?.start ?? 0) + 1}`,
      );
    }
    group.push(parseClause(text, clause));
    clause = [];
  };
  for (const token of tokens) {
    if (token.type === 'and' || token.type === 'or') {
      endClause(token);
      if (token.type === 'or') {
        groups.push(group);
        group = [];
      }
      previousOperator = token;
    } else {
      clause.push(token);
    }
  }
  endClause(undefined);
  groups.push(group);
  return groups;
}

type Test = (item: Readonly<Record<string, unknown>>) => boolean;

function shown(literal: FilterLiteral): string {
  return literal.quoted ? `"${literal.text}"` : literal.text;
}

function integerOf(clause: FilterClause, type: FieldType): number {
  const { value } = clause;
  const number = Number(value.text);
  if (value.quoted || !INTEGER.test(value.text) || !Number.isSafeInteger(number)) {
    const what = type === 'integer[]' ? 'a list of integers (eq matches a member)' : 'an integer';
    throw new FilterError(`field "${clause.field}" is ${what}; ${shown(value)} is not an integer`);
  }
  return number;
}

function compileClause(clause: FilterClause, schema: FieldSchema, resource: string): Test {
  const { field, value } = clause;
  const type = Object.hasOwn(schema, field) ? schema[field] : undefined;
  if (type === undefined) {
    throw new FilterError(
      `unknown field "${field}" for ${resource}; filterable fields: ${Object.keys(schema).join(', ')}`,
    );
  }
  switch (type) {
    case 'integer': {
      const expected = integerOf(clause, type);
      return (item) => item[field] === expected;
    }
    case 'integer[]': {
      const expected = integerOf(clause, type);
      return (item) => (item[field] as readonly number[]).includes(expected);
    }
    case 'boolean': {
      if (value.quoted || (value.text !== 'true' && value.text !== 'false')) {
        throw new FilterError(`field "${field}" is a boolean; ${shown(value)} is not true or false`);
      }
      const expected = value.text === 'true';
      return (item) => item[field] === expected;
    }
    case 'on-off': {
      if (value.text !== 'On' && value.text !== 'Off') {
        throw new FilterError(`field "${field}" is "On" or "Off"; ${shown(value)} is neither`);
      }
      const expected = value.text;
      return (item) => item[field] === expected;
    }
    case 'string?':
      if (!value.quoted && value.text === 'null') return (item) => item[field] === null;
      return (item) => item[field] === value.text;
    case 'string':
      return (item) => item[field] === value.text;
  }
}

/**
 * Turns a parsed filter into a predicate over one resource. Throws {@link FilterError} for a field
 * the resource does not have or a value of the wrong type (an integer field wants an unquoted
 * integer; a string field takes any value, compared as written, case-sensitively).
 */
export function compileFilter(ast: FilterAst, schema: FieldSchema, resource: string): Test {
  const groups = ast.map((group) => group.map((clause) => compileClause(clause, schema, resource)));
  if (groups.length === 1) {
    const [tests] = groups as [Test[]];
    return (item) => tests.every((test) => test(item));
  }
  return (item) => groups.some((tests) => tests.every((test) => test(item)));
}
