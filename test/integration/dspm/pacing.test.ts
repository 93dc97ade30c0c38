/**
 * Pacing against the simulator's strict limiters, through the real client: what the server says
 * (Retry-After alone, with no RateLimit-* header to fall back on) holds every caller, and a time
 * budget turns a long wait into a clear failure instead of a hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DspmTimeBudgetError } from '#shared/dspm/errors.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';

const TOKEN = 'pacing-token';
let sim: RunningSimulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Spends the tenant's whole window with plain requests, as another client of the tenant would. */
async function spendWindow(simulator: RunningSimulator, requests: number): Promise<void> {
  await Promise.all(
    Array.from({ length: requests }, () =>
      fetch(`${simulator.url}/api/v2/dspm/data_tags`, { headers: { apikey: TOKEN } }).then((r) =>
        r.arrayBuffer(),
      ),
    ),
  );
}

describe('a 429 that carries only Retry-After', () => {
  it('makes every concurrent caller wait at least Retry-After before its next request', async () => {
    // Arrange: a strict 5 requests/s sliding window with no RateLimit-* headers, already spent.
    sim = await startSimulator({ stores: 30, rateLimitRps: 5, tokens: [{ token: TOKEN, access: 'read' }] });
    await spendWindow(sim, 5);
    sim.clearRequests();
    const client = testClient(sim.url, { token: TOKEN, rps: 1000, logger: new Capture() });
    // Act: three callers at once, each refused first.
    const results = await Promise.all([1, 2, 3].map(() => client.dataTags().toArray(100)));
    // Assert: the three first tries were refused with Retry-After: 1 and nothing else ...
    const log = sim.requests;
    const refused = log.filter((entry) => entry.status === 429);
    expect(refused).toHaveLength(3);
    const firstRefusal = Math.min(...refused.map((entry) => Date.parse(entry.startedAt)));
    // ... and no request went out within the second the server asked for.
    const admitted = log.filter((entry) => entry.status === 200);
    expect(admitted).toHaveLength(3);
    for (const entry of admitted)
      expect(Date.parse(entry.startedAt) - firstRefusal).toBeGreaterThanOrEqual(1000);
    expect(results.every((tags) => tags.length > 0)).toBe(true);
    expect(client.stats.throttled).toBe(3);
  });
});

describe('a time budget', () => {
  it('fails a call whose wait would pass the deadline, at once and with a reason that says so', async () => {
    // Arrange: the tenant asks for a 30 s wait (within the 60 s cap), but 2 s of budget are left.
    sim = await startSimulator({ stores: 30, tokens: [{ token: TOKEN, access: 'read' }] });
    sim.faults.add({ kind: 'rate-limit', retryAfter: 30, count: 1 });
    const client = testClient(sim.url, { token: TOKEN, logger: new Capture() });
    client.setDeadline(Date.now() + 2_000);
    // Act
    const listing = client.connectedDataStores();
    const error = await listing.toArray(100).catch((caught: unknown) => caught);
    // Assert: one request, no retry after the budget, an incomplete listing naming the budget.
    expect(error).toBeInstanceOf(DspmTimeBudgetError);
    expect((error as Error).message).toMatch(/time budget/);
    expect(sim.requests).toHaveLength(1);
    expect(listing.report()).toMatchObject({ complete: false });
    expect(listing.report().reason).toMatch(/time budget/);
  });
});

describe('pages in flight', () => {
  it('follow the latency, so a slow tenant is still listed at the pace and not at the latency', async () => {
    // Arrange: 600 ms per request at a pace of 20/s needs about 12 requests in flight; a fixed
    // handful would cap the listing at a third of the pace.
    sim = await startSimulator({ stores: 600, latencyMs: 600, tokens: [{ token: TOKEN, access: 'read' }] });
    const client = testClient(sim.url, { token: TOKEN, rps: 20, pageSize: 10, concurrency: 16 });
    // Act
    const stores = await client.connectedDataStores().toArray(1_000);
    // Assert: the peak overlap of requests at the tenant, from its own log.
    expect(stores).toHaveLength(600);
    const spans = sim.requests.map((entry) => {
      const start = Date.parse(entry.startedAt);
      return [start, start + entry.durationMs] as const;
    });
    const peak = Math.max(
      ...spans.map(([start]) => spans.filter(([s, end]) => s <= start && end > start).length),
    );
    expect(peak).toBeGreaterThanOrEqual(9);
    expect(peak).toBeLessThanOrEqual(16);
  });
});
