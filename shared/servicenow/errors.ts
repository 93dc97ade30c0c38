/**
 * Errors of the ServiceNow Table API, in the bridge's family (shared/errors.ts): whether trying
 * again can help is decided from the status, once, here. The message carries ServiceNow's own
 * `error.message` and `error.detail` (its documented failure body) and never the credentials.
 */
import { BridgeError } from '../errors.ts';

/** Statuses after which the same request may succeed later without anyone changing anything. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** A Table API call failed; `status` is 0 when no response came (connection, timeout). */
export class ServiceNowError extends BridgeError {
  readonly retryable: boolean;
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** From `Retry-After` on a 429 or 503, when ServiceNow sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: { status: number; method: string; path: string; retryAfterMs?: number | undefined },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.retryAfterMs = details.retryAfterMs;
    this.retryable = details.status === 0 || RETRYABLE_STATUSES.has(details.status);
  }
}

/** The `{"error": {"message", "detail"}, "status": "failure"}` body ServiceNow answers errors with, as one line. */
export function describeFailureBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { message, detail } = error as { message?: unknown; detail?: unknown };
  const parts = [message, detail].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length > 0 ? parts.join(': ').slice(0, 500) : undefined;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
