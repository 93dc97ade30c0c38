import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { call, callJson, TOKEN } from './http.ts';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    tokens: [
      { token: TOKEN, access: 'read-write' },
      { token: 'read-only', access: 'read' },
      { token: 'stores-only', access: 'read', routes: ['data_stores/connected'] },
    ],
  });
});

afterAll(async () => {
  await sim.close();
});

describe('list routes', () => {
  it.each([
    ['infrastructure_connections/platforms', 'results', 6],
    ['infrastructure_connections', 'results', 2],
    ['data_stores/services', 'results', 13],
    ['data_stores/connected', 'results', 3],
    ['data_stores/discovered', 'results', 3],
    ['data_tags', 'data_tags', 6],
  ])('GET %s answers {"total", "%s"} with %d items', async (route, key, total) => {
    const { status, body } = await callJson(sim, route);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['total', key]);
    expect(body.total).toBe(total);
    expect(body[key]).toHaveLength(total);
  });

  it('answers the data_tags listing under "data_tags", never "results"', async () => {
    const { body } = await callJson(sim, 'data_tags');
    expect(body.results).toBeUndefined();
    expect(body.data_tags[0]).toEqual({
      id: 1000004,
      name: 'GDPR',
      description: 'GDPR-protected data',
      category_id: 3,
      color: '#e3d9ff',
      is_enabled: true,
    });
  });

  it("serves the guide's connected stores in id order with every field", async () => {
    const { body } = await callJson(sim, 'data_stores/connected');
    expect(body.results.map((store: { id: number }) => store.id)).toEqual([1, 2, 3]);
    expect(Object.keys(body.results[0])).toHaveLength(28);
    expect(body.results[2]).toMatchObject({
      name: 'production',
      data_store_risk_rating: -1,
      over_privileged_risk_score: -1,
    });
  });

  it('puts a unique x-request-id and a JSON content type on every response, errors included', async () => {
    const responses = await Promise.all([
      call(sim, 'data_tags'),
      call(sim, 'data_tags'),
      call(sim, 'no_such_route'),
      call(sim, 'data_tags', { headers: {} }),
    ]);
    const ids = responses.map((response) => response.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(
      responses.every((response) => response.headers.get('content-type')?.startsWith('application/json')),
    ).toBe(true);
  });

  it('records the x-request-id it sent in the request log', async () => {
    const response = await call(sim, 'data_tags');
    const requestId = response.headers.get('x-request-id');
    expect(sim.requests.some((entry) => entry.requestId === requestId && entry.status === 200)).toBe(true);
  });
});

describe('authentication and privileges', () => {
  it.each([
    [{ apikey: TOKEN }, 'apikey'],
    [{ 'Netskope-Api-Token': TOKEN }, 'netskope-api-token'],
    [{ apikey: TOKEN, 'Netskope-Api-Token': TOKEN }, 'both'],
  ])('accepts the token in %j and logs which header carried it', async (headers, used) => {
    const response = await call(sim, 'infrastructure_connections', { headers });
    expect(response.status).toBe(200);
    expect(sim.requests.at(-1)?.authHeader).toBe(used);
  });

  it.each([
    [{}, 'missing API token'],
    [{ apikey: 'not-a-token' }, 'invalid or expired API token'],
    [{ apikey: TOKEN, 'Netskope-Api-Token': 'read-only' }, 'different tokens'],
  ])('answers %j with 401 and a JSON message', async (headers, message) => {
    const { status, body } = await callJson(sim, 'data_stores/connected', { headers });
    expect(status).toBe(401);
    expect(body.message).toContain(message);
  });

  it('answers a write with a read token with 403', async () => {
    const { status, body } = await callJson(sim, 'data_tags/1000004', {
      method: 'DELETE',
      headers: { apikey: 'read-only' },
    });
    expect(status).toBe(403);
    expect(body.message).toContain('read access only');
    expect(sim.tenant.getTag(1000004)).toBeDefined();
  });

  it('answers a route outside the token routes with 403 and serves the allowed one', async () => {
    const headers = { apikey: 'stores-only' };
    const denied = await callJson(sim, 'data_tags', { headers });
    const allowed = await call(sim, 'data_stores/connected', { headers });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('not allowed to use route "data_tags"');
    expect(allowed.status).toBe(200);
  });

  it('accepts only the new token after a rotation', async () => {
    const rotating = await startSimulator({ tokens: [{ token: 'old', access: 'read' }] });
    try {
      rotating.setTokens([{ token: 'new', access: 'read' }]);
      const old = await call(rotating, 'data_tags', { headers: { apikey: 'old' } });
      const fresh = await call(rotating, 'data_tags', { headers: { apikey: 'new' } });
      expect([old.status, fresh.status]).toEqual([401, 200]);
    } finally {
      await rotating.close();
    }
  });
});

describe('filters', () => {
  it.each([
    ['infrastructure_connections', 'platform_id eq 0', [1, 2]],
    ['data_stores/connected', 'infrastructure_connection_id eq 1', [1, 3]],
    ['data_stores/connected', 'infrastructure_connection_id eq 2&&service_id eq 4', [2]],
    ['data_stores/connected', 'name eq "production" || name eq finance', [2, 3]],
    ['data_stores/connected', 'over_privileged_risk_score eq -1', [2, 3]],
    ['data_tags', 'id eq 1000004||id eq 1000005', [1000004, 1000005]],
    ['data_tags', 'category_id eq 5', [1000007]],
  ])('GET %s with the encoded filter %j returns ids %j', async (route, filter, ids) => {
    const { status, body } = await callJson(sim, `${route}?filter=${encodeURIComponent(filter)}`);
    expect(status).toBe(200);
    const items = body.results ?? body.data_tags;
    expect(items.map((item: { id: number }) => item.id)).toEqual(ids);
    expect(body.total).toBe(ids.length);
  });

  it("answers the guide's raw && with 400 naming the stray parameter", async () => {
    const { status, body } = await callJson(
      sim,
      'data_stores/connected?filter=infrastructure_connection_id%20eq%202&&service_id%20eq%204',
    );
    expect(status).toBe(400);
    expect(body.message).toContain('unknown query parameter "service_id eq 4"');
    expect(body.message).toContain('percent-encode the whole filter value');
  });

  it("answers the guide's ideq typo with 400 naming the clause", async () => {
    const { status, body } = await callJson(sim, 'data_tags?filter=id%20eq%201000004||ideq%2021000005');
    expect(status).toBe(400);
    expect(body.message).toContain('malformed clause "ideq 21000005"');
  });

  it('answers an unknown filter field with 400 naming it', async () => {
    const { status, body } = await callJson(sim, `data_tags?filter=${encodeURIComponent('colour eq red')}`);
    expect(status).toBe(400);
    expect(body.message).toContain('unknown field "colour" for data_tags');
  });
});

describe('paging and query parameters', () => {
  it.each([
    ['data_tags?limit=abc', '"limit" must be a non-negative integer'],
    ['data_tags?offset=-5', '"offset" must be a non-negative integer'],
    ['data_tags?limit=1001', '"limit" must be at most 1000'],
    ['data_tags?page=2', 'unknown query parameter "page"'],
    ['data_tags?limit=1&limit=2', '"limit" is given more than once'],
  ])('answers %s with 400', async (path, message) => {
    const { status, body } = await callJson(sim, path);
    expect(status).toBe(400);
    expect(body.message).toContain(message);
  });

  it('pages through a generated tenant with a constant total and no gap or overlap', async () => {
    const big = await startSimulator({ stores: 2_500 });
    try {
      const pages = await Promise.all(
        [0, 1000, 2000].map((offset) => callJson(big, `data_stores/connected?offset=${offset}&limit=1000`)),
      );
      expect(pages.map((page) => page.body.total)).toEqual([2500, 2500, 2500]);
      expect(pages.map((page) => page.body.results.length)).toEqual([1000, 1000, 500]);
      const ids = pages.flatMap((page) => page.body.results.map((store: { id: number }) => store.id));
      expect(ids).toEqual(Array.from({ length: 2500 }, (_, index) => index + 1));
    } finally {
      await big.close();
    }
  });

  it('pages 100 at a time by default and past the end answers an empty page with the total', async () => {
    const big = await startSimulator({ stores: 150 });
    try {
      const first = await callJson(big, 'data_stores/connected');
      const beyond = await callJson(big, 'data_stores/connected?offset=500');
      expect([first.body.results.length, first.body.total]).toEqual([100, 150]);
      expect(beyond.body).toEqual({ total: 150, results: [] });
    } finally {
      await big.close();
    }
  });

  it('honours a configured maximum page size', async () => {
    const small = await startSimulator({ maxPageSize: 50 });
    try {
      const { status, body } = await callJson(small, 'data_tags?limit=51');
      expect(status).toBe(400);
      expect(body.message).toContain('at most 50');
    } finally {
      await small.close();
    }
  });

  it('filters and pages 100,000 stores, with total counting every match', async () => {
    const huge = await startSimulator({ stores: 100_000 });
    try {
      const expected = huge.tenant
        .listStores()
        .filter((store) => store.service_id === 5 && store.encryption === 'Off');
      const filter = encodeURIComponent('service_id eq 5 && encryption eq Off');
      const { body } = await callJson(huge, `data_stores/connected?filter=${filter}&offset=10&limit=1000`);
      expect(body.total).toBe(expected.length);
      expect(body.results.map((store: { id: number }) => store.id)).toEqual(
        expected.slice(10, 1010).map((store) => store.id),
      );
      const tail = await callJson(huge, 'data_stores/connected?offset=99990&limit=1000');
      expect(tail.body.results.map((store: { id: number }) => store.id)).toEqual(
        Array.from({ length: 10 }, (_, index) => 99_991 + index),
      );
    } finally {
      await huge.close();
    }
  });
});

describe('routing', () => {
  it.each([['data_stores/unknown'], ['data_tags/'], ['/api/v1/dspm/data_tags'], ['/']])(
    'answers %s with 404 and a JSON message',
    async (path) => {
      const { status, body } = await callJson(sim, path);
      expect(status).toBe(404);
      expect(body.message).toContain('no route');
    },
  );

  it.each([
    ['POST', 'data_stores/connected', 'GET'],
    ['GET', 'connected_data_stores', 'PUT'],
    ['GET', 'data_tags/11', 'DELETE'],
    ['DELETE', 'data_tags', 'GET, POST, PUT'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const response = await call(sim, path, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(((await response.json()) as { message: string }).message).toContain(`${method} is not allowed`);
  });

  it('refuses to listen on a non-loopback host', async () => {
    await expect(startSimulator({ host: '0.0.0.0' })).rejects.toThrow('loopback only');
  });
});

describe('hooks and latency', () => {
  it('lets onRequest change the tenant between two pages of a listing', async () => {
    const hooked: RunningSimulator = await startSimulator({
      stores: 10,
      onRequest: (entry) => {
        if (entry.query.offset === '5') hooked.tenant.removeStore(1);
      },
    });
    try {
      const first = await callJson(hooked, 'data_stores/connected?offset=0&limit=5');
      const second = await callJson(hooked, 'data_stores/connected?offset=5&limit=5');
      expect(first.body.total).toBe(10);
      expect(second.body.total).toBe(9);
      // Store 6 slid onto the first page's slot: offset paging skips it, which the client must detect.
      expect(second.body.results.map((store: { id: number }) => store.id)).toEqual([7, 8, 9, 10]);
    } finally {
      await hooked.close();
    }
  });

  it('answers 500 naming the hook when onRequest throws', async () => {
    const failing = await startSimulator({
      onRequest: () => {
        throw new Error('boom');
      },
    });
    try {
      const { status, body } = await callJson(failing, 'data_tags');
      expect(status).toBe(500);
      expect(body.message).toBe('onRequest hook failed: boom');
    } finally {
      await failing.close();
    }
  });

  it('delays responses without blocking other requests', async () => {
    const slow = await startSimulator();
    try {
      slow.setLatency(300);
      const first = call(slow, 'data_tags');
      const second = call(slow, 'data_tags');
      const firstStatus = (await first).status;
      // The second request was taken in while the first one was still being delayed.
      expect(slow.requests).toHaveLength(2);
      expect([firstStatus, (await second).status]).toEqual([200, 200]);
      expect(() => slow.setLatency(-1)).toThrow(RangeError);
    } finally {
      await slow.close();
    }
  });
});
