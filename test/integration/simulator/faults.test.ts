import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '#simulator/server.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { call, callJson, waitForRequest } from './http.ts';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator();
});

afterEach(() => {
  sim.faults.clear();
  sim.tenant.reset();
});

afterAll(async () => {
  await sim.close();
});

const STORES = 'data_stores/connected';

async function realBody(path = STORES): Promise<string> {
  return (await call(sim, path)).text();
}

describe('faults that replace the response', () => {
  it.each([500, 502, 503])('answers status %d once with a JSON message, then recovers', async (status) => {
    sim.faults.add({ kind: 'status', status });
    const faulted = await callJson(sim, STORES);
    const next = await call(sim, STORES);
    expect(faulted.status).toBe(status);
    expect(faulted.body.message).toBe(`simulated ${status} fault`);
    expect(faulted.headers.get('x-request-id')).toBeTruthy();
    expect(next.status).toBe(200);
    expect(sim.requests.at(-2)?.fault).toBe('status');
    expect(sim.faults.pending()).toBe(0);
  });

  it('hits only requests that match method, route and offset', async () => {
    sim.faults.add({ kind: 'status', status: 503, match: { method: 'GET', route: STORES, offset: 2 } });
    const statuses = [];
    for (const path of ['data_tags?offset=2', `${STORES}?offset=0&limit=2`, `${STORES}?offset=2&limit=2`]) {
      statuses.push((await call(sim, path)).status);
    }
    expect(statuses).toEqual([200, 200, 503]);
  });

  it('answers rate-limit with Retry-After in seconds and RateLimit-* headers at zero', async () => {
    sim.faults.add({ kind: 'rate-limit', retryAfter: 7 });
    const { status, headers, body } = await callJson(sim, STORES);
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('7');
    expect(headers.get('ratelimit-remaining')).toBe('0');
    expect(headers.get('ratelimit-reset')).toBe('7');
    expect(body.message).toContain('rate limit');
  });

  it('answers rate-limit with Retry-After as an HTTP-date when asked', async () => {
    sim.faults.add({ kind: 'rate-limit', retryAfter: 30, retryAfterDate: true });
    const before = Date.now();
    const response = await call(sim, STORES);
    const retryAt = Date.parse(response.headers.get('retry-after') ?? '');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/GMT$/);
    expect(retryAt).toBeGreaterThanOrEqual(before + 29_000);
  });

  it('resets the connection without a response', async () => {
    sim.faults.add({ kind: 'reset' });
    await expect(call(sim, STORES)).rejects.toThrow(TypeError);
    expect(sim.requests.at(-1)).toMatchObject({ fault: 'reset', status: 0 });
    expect((await call(sim, STORES)).status).toBe(200);
  });

  it('hangs until the client gives up', async () => {
    sim.faults.add({ kind: 'hang' });
    const controller = new AbortController();
    const pending = call(sim, STORES, { signal: controller.signal });
    await waitForRequest(sim, (entry) => entry.fault === 'hang');
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    expect(sim.requests.at(-1)?.status).toBe(0);
  });

  it('answers status-error with a 200 that is an error', async () => {
    sim.faults.add({ kind: 'status-error', message: 'tenant busy' });
    const { status, body } = await callJson(sim, STORES);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'error', message: 'tenant busy' });
  });

  it('does not apply a write that a replacing fault hit', async () => {
    sim.faults.add({ kind: 'status', status: 502, match: { method: 'PUT' } });
    const body = { id: 3, name: 'x', endpoint: 'e', service_id: 5, data_tags: [1000004] };
    const response = await call(sim, 'connected_data_stores', { method: 'PUT', body });
    expect(response.status).toBe(502);
    expect(sim.tenant.getStore(3)?.data_tags).toEqual([]);
  });
});

describe('faults that reshape the real response', () => {
  it('sends the real body slowly, in several chunks', async () => {
    const expected = await realBody(`${STORES}?limit=1`);
    sim.faults.add({ kind: 'slow-body', chunkBytes: 100, chunkDelayMs: 5 });
    const response = await call(sim, `${STORES}?limit=1`);
    expect(response.status).toBe(200);
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body as ReadableStream<Uint8Array>) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
    expect(sim.requests.at(-1)).toMatchObject({ fault: 'slow-body', status: 200 });
  });

  it('sends a truncated real body as malformed JSON with status 200', async () => {
    const expected = await realBody();
    sim.faults.add({ kind: 'malformed-json' });
    const response = await call(sim, STORES);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(expected.startsWith(text)).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it('sends the real page with total and one id as strings for wrong-shape', async () => {
    sim.faults.add({ kind: 'wrong-shape' });
    const { status, body } = await callJson(sim, 'data_tags');
    expect(status).toBe(200);
    expect(body.total).toBe('6');
    expect(body.data_tags[0].id).toBe('1000004');
    expect(body.data_tags[1].id).toBe(1000005);
  });

  it('pads a valid body to 20 MiB by default', async () => {
    const expected = JSON.parse(await realBody());
    sim.faults.add({ kind: 'oversized' });
    const response = await call(sim, STORES);
    const text = await response.text();
    expect(response.headers.get('content-length')).toBe(String(20 * 1024 * 1024));
    expect(text.length).toBe(20 * 1024 * 1024);
    expect(JSON.parse(text)).toEqual(expected);
  });

  it('pads to the requested size', async () => {
    sim.faults.add({ kind: 'oversized', bytes: 65_536 });
    const response = await call(sim, STORES);
    expect((await response.arrayBuffer()).byteLength).toBe(65_536);
  });

  it.each([
    [5, 8],
    [-1, 2],
  ])('moves total by %d for total-mismatch, keeping the real page', async (delta, total) => {
    sim.faults.add({ kind: 'total-mismatch', delta });
    const { body } = await callJson(sim, STORES);
    expect(body.total).toBe(total);
    expect(body.results).toHaveLength(3);
  });

  it('applies a write whose answer was damaged', async () => {
    sim.faults.add({ kind: 'malformed-json', match: { route: 'connected_data_stores' } });
    const body = { id: 3, name: 'x', endpoint: 'e', service_id: 5, data_tags: [1000004] };
    const response = await call(sim, 'connected_data_stores', { method: 'PUT', body });
    expect(await response.text()).toBe('');
    expect(sim.tenant.getStore(3)?.data_tags).toEqual([1000004]);
  });

  it('does not count a reshaping fault as applied when the request failed anyway', async () => {
    sim.faults.add({ kind: 'wrong-shape' });
    const { status } = await callJson(sim, 'data_tags?limit=-1');
    expect(status).toBe(400);
    expect(sim.requests.at(-1)?.fault).toBeUndefined();
  });
});

describe('fault rules', () => {
  it('hits count requests in a row, then stops', async () => {
    sim.faults.add({ kind: 'status', status: 500, count: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await call(sim, STORES)).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it('refuses an invalid rule with an error naming the field', () => {
    expect(() => sim.faults.add({ kind: 'status', status: 200 } as FaultRule)).toThrow(
      '"status" must be a 4xx or 5xx code',
    );
    expect(sim.faults.pending()).toBe(0);
  });
});

describe('closing', () => {
  it('ends hanging and slow responses when the simulator closes', async () => {
    const closing = await startSimulator();
    closing.faults.add({ kind: 'hang' });
    closing.faults.add({ kind: 'slow-body', chunkBytes: 1, chunkDelayMs: 1_000 });
    // Settle both outcomes at once: they fail while close() is still being awaited.
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => 'answered',
        (error: unknown) => (error instanceof Error ? error.name : 'failed'),
      );
    const hanging = outcome(call(closing, STORES));
    const slow = outcome(call(closing, STORES).then((response) => response.text()));
    await waitForRequest(closing, (entry) => entry.fault === 'slow-body');
    await closing.close();
    expect(await hanging).toBe('TypeError');
    expect(await slow).toBe('TypeError');
  });
});
