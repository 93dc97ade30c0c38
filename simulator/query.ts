/**
 * Query strings: decoded once into a plain object (for the request log and the handlers), then
 * checked strictly. An unknown parameter is a 400 naming it: that is how a raw `&&` inside a
 * filter shows up, since it splits the query string and turns the filter's tail into a parameter.
 */
import { HttpError } from './errors.ts';

/** A decoded query; a parameter given more than once keeps all its values. */
export type Query = Record<string, string | string[]>;

/** Decodes a query string into an object (`+` is a space, as in forms). */
export function decodeQuery(search: URLSearchParams): Query {
  const query: Query = {};
  for (const [name, value] of search) {
    const existing = Object.hasOwn(query, name) ? query[name] : undefined;
    if (existing === undefined) query[name] = value;
    else query[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

/**
 * Checks that `query` holds only `allowed` parameters, each at most once, and returns their
 * values. Throws a 400 {@link HttpError} naming the first offending parameter.
 */
export function allowOnly<K extends string>(query: Query, allowed: readonly K[]): Partial<Record<K, string>> {
  const values: Partial<Record<K, string>> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!(allowed as readonly string[]).includes(name)) {
      const looksLikeFilter = /\s(eq|ne|gt|lt)\s|^\s*\w+\s+eq\b/.test(name);
      const hint = looksLikeFilter
        ? ': it looks like the tail of a filter, so a raw && split the query string; ' +
          'percent-encode the whole filter value (&& is %26%26)'
        : allowed.length > 0
          ? `; this route accepts ${allowed.join(', ')}`
          : '; this route takes no query parameters';
      throw new HttpError(400, `unknown query parameter "${name}"${hint}`);
    }
    if (Array.isArray(value)) throw new HttpError(400, `query parameter "${name}" is given more than once`);
    values[name as K] = value;
  }
  return values;
}
