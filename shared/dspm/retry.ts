/**
 * The retry decision, kept pure so it is tested on its own (the octokit plugin-retry shape): what
 * to retry, how long to wait, and what never to retry.
 */
import { backoffDelay } from '../backoff.ts';
import { readRetryAfter } from '../http/retry-after.ts';
import {
  DspmConnectionError,
  type DspmError,
  DspmInvalidResponseError,
  DspmRateLimitError,
  DspmServerError,
} from './errors.ts';

/** Retry settings; `DEFAULT_RETRY_POLICY` holds the defaults. */
export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly maxRetries: number;
  /** Base of the exponential backoff, in milliseconds (tests set it near zero). */
  readonly baseDelayMs: number;
  /** Cap on one backoff delay. */
  readonly maxDelayMs: number;
  /** Cap on a server-requested wait (`Retry-After`); a longer request fails instead of hanging the poll. */
  readonly maxRetryAfterMs: number;
}

/** Defaults: five retries, 250 ms doubling to at most 20 s, honour `Retry-After` up to 60 s. */
export const DEFAULT_RETRY_POLICY = {
  maxRetries: 5,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
} as const satisfies RetryPolicy;

/**
 * Statuses never retried: the request itself is wrong or not allowed, so a repeat gets the same
 * answer. (401 gets one retry after the token is fetched again; that lives in the transport.)
 */
export const NEVER_RETRIED_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 409, 422]);

/** Methods whose repetition cannot do something twice. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** What `decideRetry` concluded. */
export type RetryDecision =
  | { readonly retry: false; readonly reason: string }
  | { readonly retry: true; readonly delayMs: number };

/**
 * Decides whether attempt number `attempt` (1 for the first retry) may go ahead after `error`.
 *
 * - 429 is retried for every method, POST included: the server refused without acting on it.
 * - Connection errors, timeouts, 5xx and cut-short bodies are retried for idempotent methods
 *   only; a create (POST) may have happened, so the caller must look before trying again.
 * - A wrong-shaped body and the statuses in `NEVER_RETRIED_STATUSES` are never retried.
 *
 * @param random source in [0, 1) for jitter, injectable for tests.
 */
export function decideRetry(
  error: DspmError,
  method: string,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt > policy.maxRetries)
    return { retry: false, reason: `gave up after ${policy.maxRetries} retries` };
  if (error.status !== undefined && NEVER_RETRIED_STATUSES.has(error.status)) {
    return { retry: false, reason: `status ${error.status} is never retried` };
  }
  if (error instanceof DspmRateLimitError) {
    if (error.retryAfterMs !== undefined) {
      if (error.retryAfterMs > policy.maxRetryAfterMs) {
        return {
          retry: false,
          reason: `server asked to wait ${error.retryAfterMs} ms, over the ${policy.maxRetryAfterMs} ms cap`,
        };
      }
      // A small jitter on top keeps concurrent requests from all returning in the same instant.
      return { retry: true, delayMs: error.retryAfterMs + Math.floor(random() * policy.baseDelayMs) };
    }
    return { retry: true, delayMs: backoffDelay(attempt, policy, random) };
  }
  const transient =
    (error instanceof DspmConnectionError && error.transient) ||
    (error instanceof DspmServerError && error.status !== undefined && error.status >= 500) ||
    (error instanceof DspmInvalidResponseError && error.malformed);
  if (!transient) return { retry: false, reason: `${error.name} is not transient` };
  if (!IDEMPOTENT_METHODS.has(method.toUpperCase())) {
    return { retry: false, reason: `${method} is not idempotent; it may have taken effect` };
  }
  return { retry: true, delayMs: backoffDelay(attempt, policy, random) };
}

/**
 * Longest server-requested wait the client reports: an invocation's whole life (a Lambda runs at
 * most 15 minutes). `decideRetry` refuses anything over the policy's `maxRetryAfterMs` well
 * before this; the cap only keeps an absurd date from becoming an absurd number.
 */
const LONGEST_REPORTED_WAIT_MS = 15 * 60_000;

/**
 * How long the server asked us to wait, in milliseconds: `Retry-After` as the bridge reads it
 * (shared/http/retry-after.ts: seconds or an HTTP-date, at most 15 minutes), else
 * `RateLimit-Reset` in seconds, else undefined. An invalid value is ignored.
 */
export function serverRequestedWaitMs(
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number,
): number | undefined {
  const retryAfter = readRetryAfter(headers['retry-after'], { nowMs, maxMs: LONGEST_REPORTED_WAIT_MS });
  if (retryAfter !== undefined) return retryAfter;
  const reset = headers['ratelimit-reset']?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) return Math.ceil(Number(reset) * 1000);
  return undefined;
}
