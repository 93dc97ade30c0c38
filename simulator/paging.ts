/**
 * `offset` and `limit` paging. Lists are kept ordered by id, so an unfiltered page is a slice and
 * costs the page, not the tenant.
 */
import { HttpError } from './errors.ts';

/** Page size when `limit` is absent. */
export const DEFAULT_LIMIT = 100;

/** Largest `limit` accepted unless the simulator is configured otherwise. */
export const DEFAULT_MAX_PAGE_SIZE = 1000;

/** Which part of a list to return. */
export interface Page {
  offset: number;
  limit: number;
}

/** One page of a list and the size of the whole (filtered) list. */
export interface PageResult<T> {
  total: number;
  results: T[];
}

function nonNegativeInteger(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new HttpError(400, `query parameter "${name}" must be a non-negative integer, got "${text}"`);
  }
  return value;
}

/**
 * Reads `offset` (default 0) and `limit` (default {@link DEFAULT_LIMIT}, at most `maxPageSize`).
 * `limit=0` is allowed and returns only `total`. Throws a 400 {@link HttpError} for anything else.
 */
export function parsePaging(
  offset: string | undefined,
  limit: string | undefined,
  maxPageSize: number,
): Page {
  const page = {
    offset: offset === undefined ? 0 : nonNegativeInteger('offset', offset),
    limit: limit === undefined ? Math.min(DEFAULT_LIMIT, maxPageSize) : nonNegativeInteger('limit', limit),
  };
  if (page.limit > maxPageSize) {
    throw new HttpError(400, `query parameter "limit" must be at most ${maxPageSize}, got ${page.limit}`);
  }
  return page;
}

/**
 * Cuts one page out of `items` (already in id order). Without a predicate this is a slice; with
 * one it is a single pass that counts every match and keeps only the page's.
 */
export function pageOf<T>(items: readonly T[], page: Page, matches?: (item: T) => boolean): PageResult<T> {
  const end = page.offset + page.limit;
  if (matches === undefined) {
    return { total: items.length, results: items.slice(page.offset, end) };
  }
  const results: T[] = [];
  let total = 0;
  for (const item of items) {
    if (!matches(item)) continue;
    if (total >= page.offset && total < end) results.push(item);
    total += 1;
  }
  return { total, results };
}
