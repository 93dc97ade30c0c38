import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DspmConnectionError,
  DspmInvalidResponseError,
  DspmRateLimitError,
  DspmServerError,
} from '#shared/dspm/errors.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';

const TOKEN = 'faults-token-5f2c9e';
const route = 'data_stores/connected';

describe('the client under faults', () => {
  let sim: RunningSimulator;
  const capture = new Capture();
  const client = (options: Parameters<typeof testClient>[1] = {}) =>
    testClient(sim.url, { token: TOKEN, logger: capture, ...options });

  beforeAll(async () => {
    sim = await startSimulator({ stores: 1_000, tokens: [{ token: TOKEN, access: 'read-write' }] });
  });
  afterEach(() => {
    sim.faults.clear();
    sim.setLatency(0);
  });
  afterAll(async () => {
    await sim.close();
    // Everything the client logged and threw in this file, and the simulator's log, is searched.
    expect(capture.text()).not.toContain(TOKEN);
    expect(JSON.stringify(sim.requests)).not.toContain(TOKEN);
  });

  it('rides out a burst of 5xx answers on a listing', async () => {
    sim.faults.add({ kind: 'status', status: 503, count: 3, match: { route } });
    sim.faults.add({ kind: 'status', status: 500, count: 1, match: { route } });
    const c = client();
    const listing = c.connectedDataStores();
    expect(await listing.toArray(10_000)).toHaveLength(1_000);
    expect(listing.report().complete).toBe(true);
    expect(c.stats).toMatchObject({ requests: 14, retries: 4, failures: 0 });
  });

  it('rides out a 429 storm, honouring Retry-After', async () => {
    // Five 429s in a row on the first page (the most the default policy retries), then three on later pages.
    sim.faults.add({ kind: 'rate-limit', retryAfter: 0, count: 5, match: { route } });
    sim.faults.add({ kind: 'rate-limit', retryAfter: 0, count: 3, match: { route, offset: 500 } });
    const c = client();
    expect(await c.connectedDataStores().toArray(10_000)).toHaveLength(1_000);
    expect(c.stats).toMatchObject({ throttled: 8, retries: 8, failures: 0 });
  });

  it('waits until the HTTP date a 429 names', async () => {
    sim.faults.add({ kind: 'rate-limit', retryAfterDate: true, count: 1, match: { route } });
    const c = client();
    const started = Date.now();
    expect(await c.connectedDataStores({ pageSize: 1000 }).toArray(10_000)).toHaveLength(1_000);
    // An HTTP date has one-second resolution: the wait is at least part of a second, never zero.
    expect(Date.now() - started).toBeGreaterThan(0);
    expect(c.stats).toMatchObject({ throttled: 1, retries: 1 });
  });

  it('fails with a rate-limit error when the storm outlasts the retries', async () => {
    sim.faults.add({ kind: 'rate-limit', retryAfter: 0, count: 50, match: { route } });
    const c = client({ retry: { maxRetries: 2 } });
    const error = await capture.caught(() => c.connectedDataStores().toArray(10_000));
    expect(error).toBeInstanceOf(DspmRateLimitError);
    expect(error.message).toMatch(
      /^GET data_stores\/connected\?offset=0&limit=100: rate limited .*\(x-request-id \S+\)$/,
    );
  });

  it('retries a connection reset on a GET', async () => {
    sim.faults.add({ kind: 'reset', count: 2, match: { route } });
    const c = client();
    expect(await c.connectedDataStores().toArray(10_000)).toHaveLength(1_000);
    expect(c.stats.retries).toBe(2);
  });

  it('retries a request that hangs past the timeout, then fails with a timeout when it keeps hanging', async () => {
    sim.faults.add({ kind: 'hang', count: 1, match: { route } });
    const c = client({ timeoutMs: 200 });
    expect(await c.connectedDataStores().toArray(10_000)).toHaveLength(1_000);
    expect(c.stats.retries).toBe(1);

    sim.faults.add({ kind: 'hang', count: 3, match: { route } });
    const failing = client({ timeoutMs: 200, retry: { maxRetries: 2 } });
    const error = await capture.caught(() => failing.connectedDataStores().toArray(10_000));
    expect(error).toBeInstanceOf(DspmConnectionError);
    expect(error).toMatchObject({ timedOut: true });
    expect(error.message).toContain('timed out after 200 ms');
  });

  it('times out a body that trickles in too slowly', async () => {
    sim.faults.add({ kind: 'slow-body', chunkDelayMs: 100, count: 5, match: { route } });
    const c = client({ timeoutMs: 150, retry: { maxRetries: 1 } });
    const error = await capture.caught(() => c.connectedDataStores().toArray(10_000));
    expect(error).toBeInstanceOf(DspmConnectionError);
    expect(error).toMatchObject({ timedOut: true });
  });

  it('retries a cut-short JSON body on a GET', async () => {
    sim.faults.add({ kind: 'malformed-json', count: 1, match: { route } });
    const c = client();
    expect(await c.connectedDataStores().toArray(10_000)).toHaveLength(1_000);
    expect(c.stats.retries).toBe(1);
  });

  it('does not retry a wrong-shaped page, and names the field and the request id', async () => {
    sim.faults.add({ kind: 'wrong-shape', count: 1, match: { route } });
    const c = client();
    const error = await capture.caught(() => c.connectedDataStores().toArray(10_000));
    expect(error).toBeInstanceOf(DspmInvalidResponseError);
    expect(error.message).toMatch(
      /^GET data_stores\/connected\?offset=0&limit=100: unexpected response shape: .*total: expected number, got string/,
    );
    expect(error.message).toMatch(/\(x-request-id \S+\)$/);
    expect(c.stats).toMatchObject({ requests: 1, retries: 0 });
  });

  it('treats HTTP 200 with {"status":"error"} as an error', async () => {
    sim.faults.add({ kind: 'status-error', count: 1, match: { route } });
    const error = await capture.caught(() => client().connectedDataStores().toArray(10_000));
    expect(error).toBeInstanceOf(DspmServerError);
    expect(error).toMatchObject({ status: 200 });
    expect(error.message).toContain('HTTP 200 carrying an error');
  });

  it('refuses a body over the size cap', async () => {
    sim.faults.add({ kind: 'oversized', bytes: 2 * 1024 * 1024, count: 1, match: { route } });
    const error = await capture.caught(() =>
      client({ maxResponseBytes: 1024 * 1024 })
        .connectedDataStores()
        .toArray(10_000),
    );
    expect(error).toBeInstanceOf(DspmInvalidResponseError);
    expect(error.message).toContain('response larger than the 1048576-byte cap');
  });

  it('reports an incomplete listing when the pages do not add up to total', async () => {
    sim.faults.add({ kind: 'total-mismatch', delta: 5, count: 1, match: { route } });
    const listing = client().connectedDataStores();
    await listing.toArray(10_000);
    expect(listing.report().complete).toBe(false);
  });

  it('keeps pacing under the tenant rate limit: no 429 when client and tenant agree on the rate', async () => {
    const limited = await startSimulator({
      stores: 1_000,
      rateLimitRps: 40,
      tokens: [{ token: TOKEN, access: 'read' }],
    });
    try {
      const c = testClient(limited.url, {
        token: TOKEN,
        rps: 40,
        pageSize: 20,
        concurrency: 8,
        logger: capture,
      });
      expect(await c.connectedDataStores().toArray(10_000)).toHaveLength(1_000);
      expect(c.stats).toMatchObject({ requests: 50, throttled: 0 });
      expect(limited.requests.filter((r) => r.status === 429)).toHaveLength(0);
    } finally {
      await limited.close();
    }
  });

  it("slows to the tenant's pace when RateLimit-Remaining runs out, though configured ten times faster", async () => {
    // Arrange: 100 pages at 200 requests/s against a tenant allowing 20/s (a bucket of 20).
    const limited = await startSimulator({
      stores: 1_000,
      rateLimitRps: 20,
      rateLimitKind: 'token-bucket',
      rateLimitHeaders: true,
      tokens: [{ token: TOKEN, access: 'read' }],
    });
    try {
      const c = testClient(limited.url, {
        token: TOKEN,
        rps: 200,
        pageSize: 10,
        concurrency: 8,
        logger: capture,
      });
      // Act
      const listing = c.connectedDataStores();
      const stores = await listing.toArray(10_000);
      // Assert: everything arrives; only requests already in flight when the budget ran out get a
      // 429 (a client blind to the headers collects dozens here).
      expect(stores).toHaveLength(1_000);
      expect(listing.report().complete).toBe(true);
      expect(c.stats.failures).toBe(0);
      expect(c.stats.throttled).toBeLessThanOrEqual(8);
      expect(limited.requests.filter((r) => r.status === 429)).toHaveLength(c.stats.throttled);
    } finally {
      await limited.close();
    }
  });
});

describe('redirects', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(302, { location: 'https://attacker.example/steal', 'x-request-id': 'redir-1' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('are refused, never followed, so the token only reaches the tenant', async () => {
    const capture = new Capture();
    const error = await capture.caught(() => testClient(url, { token: TOKEN }).platforms().toArray(10));
    expect(error).toBeInstanceOf(DspmInvalidResponseError);
    expect(error.message).toBe(
      'GET infrastructure_connections/platforms?offset=0&limit=100: redirect (302) to attacker.example refused; the token is only ever sent to the configured tenant (x-request-id redir-1)',
    );
  });
});
