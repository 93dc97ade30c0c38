import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { call } from './http.ts';

let limited: RunningSimulator;
let strict: RunningSimulator;
let unlimited: RunningSimulator;

beforeAll(async () => {
  [limited, strict, unlimited] = await Promise.all([
    startSimulator({ rateLimitRps: 1, rateLimitKind: 'token-bucket', rateLimitHeaders: true }),
    startSimulator({ rateLimitRps: 1 }),
    startSimulator(),
  ]);
});

afterAll(async () => {
  await Promise.all([limited.close(), strict.close(), unlimited.close()]);
});

describe('global rate limit', () => {
  it('answers a burst beyond the bucket with 429, Retry-After and RateLimit-* headers', async () => {
    const responses = await Promise.all([1, 2, 3].map(() => call(limited, 'data_tags')));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 429, 429]);

    for (const response of responses) {
      expect(response.headers.get('ratelimit-limit')).toBe('1');
      expect(response.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(Number(response.headers.get('ratelimit-reset')))).toBe(true);
    }
    const refused = responses.filter((response) => response.status === 429);
    for (const response of refused) {
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
      expect(((await response.json()) as { message: string }).message).toContain(
        'rate limit of 1 requests per second exceeded',
      );
    }
    expect(limited.requests.filter((entry) => entry.status === 429)).toHaveLength(2);
  });

  it('by default counts in a strict sliding window and answers a refusal with Retry-After alone', async () => {
    const responses = await Promise.all([1, 2].map(() => call(strict, 'data_tags')));
    const refused = responses.find((response) => response.status === 429);
    const admitted = responses.find((response) => response.status === 200);
    expect(refused?.headers.get('retry-after')).toBe('1');
    for (const response of [refused, admitted]) {
      for (const header of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'])
        expect(response?.headers.get(header)).toBeNull();
    }
    const control = await fetch(`${strict.url}/_sim/state`);
    expect(await control.json()).toMatchObject({ rateLimitKind: 'sliding-window', rateLimitHeaders: false });
  });

  it('sends no RateLimit-* headers when no limit is configured', async () => {
    const response = await call(unlimited, 'data_tags');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
  });
});
