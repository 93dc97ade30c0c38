/**
 * Checks a response body against its schema and, when it does not fit, says where: the route, the
 * field path (`results[3].data_store_risk_rating`), what was expected and what came, and the
 * `x-request-id`. Values are not echoed beyond their type, so nothing sensitive leaks into logs.
 */
import type * as z from 'zod/mini';
import { DspmInvalidResponseError } from './errors.ts';
import type { DspmResponse } from './transport.ts';

/**
 * Parses `response.body` with `schema`.
 * @throws DspmInvalidResponseError naming the route, the fields that do not fit and the request id.
 */
export function parseResponse<T extends z.ZodMiniType>(
  schema: T,
  response: Pick<DspmResponse, 'status' | 'body' | 'requestId' | 'path'>,
  method: string,
): z.infer<T> {
  const result = schema.safeParse(response.body, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
  const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
  throw new DspmInvalidResponseError(`unexpected response shape: ${issues.join('; ')}${more}`, {
    method,
    path: response.path,
    status: response.status,
    requestId: response.requestId,
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
  }
  return issue.message;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value === undefined) return 'nothing (field missing)';
  return typeof value;
}
