import { describe, expect, it } from 'vitest';
import { backoffDelay } from '#shared/backoff.ts';
import {
  DspmAuthError,
  DspmBadRequestError,
  DspmConflictError,
  DspmConnectionError,
  type DspmError,
  DspmInvalidResponseError,
  DspmNotFoundError,
  DspmPermissionError,
  DspmRateLimitError,
  DspmServerError,
} from '#shared/dspm/errors.ts';
import { DEFAULT_RETRY_POLICY, decideRetry, serverRequestedWaitMs } from '#shared/dspm/retry.ts';

const at = (status?: number) => ({ method: 'GET', path: 'data_stores/connected', status });
const half = () => 0.5;

describe('decideRetry', () => {
  it.each<[string, DspmError, string, boolean]>([
    ['a 500 on GET', new DspmServerError('x', at(500)), 'GET', true],
    ['a 503 on PUT', new DspmServerError('x', at(503)), 'PUT', true],
    ['a reset on DELETE', new DspmConnectionError('x', { ...at(), code: 'ECONNRESET' }), 'DELETE', true],
    ['a timeout on GET', new DspmConnectionError('x', { ...at(), timedOut: true }), 'GET', true],
    [
      'a cut-short body on GET',
      new DspmInvalidResponseError('x', { ...at(200), malformed: true }),
      'GET',
      true,
    ],
    ['a 429 on GET', new DspmRateLimitError('x', at(429)), 'GET', true],
    ['a 429 on POST (refused before acting)', new DspmRateLimitError('x', at(429)), 'POST', true],
    ['a 500 on POST (may have acted)', new DspmServerError('x', at(500)), 'POST', false],
    ['a reset on POST (may have acted)', new DspmConnectionError('x', at()), 'POST', false],
    ['a 400', new DspmBadRequestError('x', at(400)), 'GET', false],
    ['a 401', new DspmAuthError('x', at(401)), 'GET', false],
    ['a 403', new DspmPermissionError('x', at(403)), 'GET', false],
    ['a 404', new DspmNotFoundError('x', at(404)), 'GET', false],
    ['a 409', new DspmConflictError('x', at(409)), 'PUT', false],
    ['a 422', new DspmBadRequestError('x', at(422)), 'PUT', false],
    ['a wrong-shaped body', new DspmInvalidResponseError('x', at(200)), 'GET', false],
    ['a 200 carrying an error', new DspmServerError('x', at(200)), 'GET', false],
    [
      'an untrusted certificate',
      new DspmConnectionError('x', { ...at(), untrustedCertificate: true }),
      'GET',
      false,
    ],
    [
      'a tunnel the proxy refused (403)',
      new DspmConnectionError('x', { ...at(), proxyStatus: 403 }),
      'GET',
      false,
    ],
    [
      'a tunnel the proxy refused (407)',
      new DspmConnectionError('x', { ...at(), proxyStatus: 407 }),
      'GET',
      false,
    ],
    [
      'a tunnel the proxy could not open (502)',
      new DspmConnectionError('x', { ...at(), proxyStatus: 502 }),
      'GET',
      true,
    ],
  ])('retries %s: %s', (_case, error, method, expected) => {
    expect(decideRetry(error, method, 1, DEFAULT_RETRY_POLICY, half).retry).toBe(expected);
  });

  it('stops after the last allowed retry', () => {
    const error = new DspmServerError('x', at(500));
    expect(decideRetry(error, 'GET', DEFAULT_RETRY_POLICY.maxRetries, DEFAULT_RETRY_POLICY, half).retry).toBe(
      true,
    );
    expect(
      decideRetry(error, 'GET', DEFAULT_RETRY_POLICY.maxRetries + 1, DEFAULT_RETRY_POLICY, half),
    ).toEqual({
      retry: false,
      reason: `gave up after ${DEFAULT_RETRY_POLICY.maxRetries} retries`,
    });
  });

  it('waits what the server asked for, plus a little jitter', () => {
    const error = new DspmRateLimitError('x', { ...at(429), retryAfterMs: 2000 });
    expect(decideRetry(error, 'GET', 1, DEFAULT_RETRY_POLICY, () => 0)).toEqual({
      retry: true,
      delayMs: 2000,
    });
    expect(decideRetry(error, 'GET', 1, DEFAULT_RETRY_POLICY, half)).toEqual({
      retry: true,
      delayMs: 2000 + DEFAULT_RETRY_POLICY.baseDelayMs / 2,
    });
  });

  it('gives up rather than wait longer than the cap the server asked for', () => {
    const error = new DspmRateLimitError('x', { ...at(429), retryAfterMs: 3_600_000 });
    const decision = decideRetry(error, 'GET', 1, DEFAULT_RETRY_POLICY, half);
    expect(decision.retry).toBe(false);
    expect(decision).toHaveProperty('reason', expect.stringMatching(/over the 60000 ms cap/));
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 250],
    [2, 500],
    [3, 1000],
    [10, 20_000],
  ])('caps attempt %i at %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, DEFAULT_RETRY_POLICY, () => 0.999999)).toBe(ceiling - 1);
    expect(backoffDelay(attempt, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
  });
});

describe('serverRequestedWaitMs', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  it.each<[string, Record<string, string>, number | undefined]>([
    ['Retry-After in seconds', { 'retry-after': '3' }, 3000],
    ['Retry-After as an HTTP date', { 'retry-after': 'Sun, 22 Nov 2026 10:00:05 GMT' }, 5000],
    ['Retry-After in the past', { 'retry-after': 'Sun, 22 Nov 2026 09:00:00 GMT' }, 0],
    ['RateLimit-Reset when Retry-After is absent', { 'ratelimit-reset': '2' }, 2000],
    ['Retry-After before RateLimit-Reset', { 'retry-after': '1', 'ratelimit-reset': '9' }, 1000],
    [
      'an invalid Retry-After as absent, falling back to RateLimit-Reset',
      { 'retry-after': '-3', 'ratelimit-reset': '2' },
      2000,
    ],
    ['a wait past 15 minutes as 15 minutes', { 'retry-after': '86400' }, 900_000],
    ['nothing usable', { 'retry-after': 'soon' }, undefined],
    ['no headers', {}, undefined],
  ])('reads %s', (_case, headers, expected) => {
    expect(serverRequestedWaitMs(headers, now)).toBe(expected);
  });
});
