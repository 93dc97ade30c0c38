import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { call, callJson, TOKEN } from './http.ts';

let sim: RunningSimulator;
const noToken = { headers: {} };

beforeAll(async () => {
  sim = await startSimulator();
});

beforeEach(async () => {
  await call(sim, '/_sim/reset', { method: 'POST', ...noToken });
});

afterAll(async () => {
  await sim.close();
});

describe('control API', () => {
  it('reports the tenant state without a token', async () => {
    const { status, body } = await callJson(sim, '/_sim/state', noToken);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      connectedDataStores: 3,
      dataTags: 6,
      pendingFaults: 0,
      requests: 0,
      rateLimitRps: null,
    });
  });

  it('adds, reads, patches and removes stores, and the API serves the result', async () => {
    const added = await callJson(sim, '/_sim/stores', {
      method: 'POST',
      body: { name: 'new-db' },
      ...noToken,
    });
    const patched = await callJson(sim, '/_sim/stores/1', {
      method: 'PATCH',
      body: { data_store_risk_rating: 90 },
      ...noToken,
    });
    const removed = await callJson(sim, '/_sim/stores/2', { method: 'DELETE', ...noToken });
    const read = await callJson(sim, '/_sim/stores/4', noToken);
    const listing = await callJson(sim, 'data_stores/connected');

    expect([added.status, patched.status, removed.status, read.status]).toEqual([201, 200, 200, 200]);
    expect(added.body).toMatchObject({ id: 4, name: 'new-db' });
    expect(read.body).toEqual(added.body);
    expect(removed.body.id).toBe(2);
    expect(listing.body.results.map((store: { id: number }) => store.id)).toEqual([1, 3, 4]);
    expect(listing.body.results[0].data_store_risk_rating).toBe(90);
  });

  it('lists stores with paging and a filter', async () => {
    const { body } = await callJson(
      sim,
      `/_sim/stores?filter=${encodeURIComponent('service_id eq 5')}&limit=1`,
      noToken,
    );
    expect(body.total).toBe(2);
    expect(body.results.map((store: { id: number }) => store.id)).toEqual([1]);
  });

  it.each([
    ['GET', '/_sim/stores/99', 404, undefined, 'no connected data store with id 99'],
    ['PATCH', '/_sim/stores/1', 400, { colour: 'red' }, 'unknown store field "colour"'],
    ['PATCH', '/_sim/stores/1', 400, { backup: 'off' }, 'store field "backup" must be "On" or "Off"'],
    ['DELETE', '/_sim/stores/99', 404, undefined, 'no connected data store'],
    ['POST', '/_sim/faults', 400, { kind: 'explode' }, 'invalid fault rule: "kind" must be one of'],
    ['GET', '/_sim/nothing', 404, undefined, 'no control route'],
    ['PUT', '/_sim/state', 405, undefined, 'PUT is not allowed'],
  ])('answers %s %s with %d', async (method, path, status, body, message) => {
    const response = await callJson(sim, path, { method, body, ...noToken });
    expect(response.status).toBe(status);
    expect(response.body.message).toContain(message);
  });

  it('adds, lists and clears fault rules over HTTP', async () => {
    const added = await callJson(sim, '/_sim/faults', {
      method: 'POST',
      body: { kind: 'status', status: 503, count: 2, match: { route: 'data_tags' } },
      ...noToken,
    });
    const listed = await callJson(sim, '/_sim/faults', noToken);
    const hit = await call(sim, 'data_tags');
    await call(sim, '/_sim/faults', { method: 'DELETE', ...noToken });
    const after = await call(sim, 'data_tags');

    expect(added.status).toBe(201);
    expect(added.body.pending).toBe(1);
    expect(listed.body.rules[0]).toMatchObject({ remaining: 2, rule: { kind: 'status', status: 503 } });
    expect([hit.status, after.status]).toEqual([503, 200]);
    expect(sim.faults.pending()).toBe(0);
  });

  it('serves and clears the request log, which control calls do not enter', async () => {
    await call(sim, `data_tags?filter=${encodeURIComponent('id eq 1000004')}`);
    const { body } = await callJson(sim, '/_sim/requests', noToken);
    expect(body.total).toBe(1);
    expect(body.results[0]).toMatchObject({
      method: 'GET',
      route: 'data_tags',
      query: { filter: 'id eq 1000004' },
      status: 200,
      authHeader: 'apikey',
    });
    expect(typeof body.results[0].startedAt).toBe('string');
    expect(typeof body.results[0].durationMs).toBe('number');
    const cleared = await callJson(sim, '/_sim/requests', { method: 'DELETE', ...noToken });
    expect(cleared.body).toEqual({ cleared: 1 });
    expect(sim.requests).toEqual([]);
  });

  it('resets the tenant, the faults and the log', async () => {
    sim.tenant.removeStore(1);
    sim.faults.add({ kind: 'hang', match: { route: 'connected_data_stores' } });
    await call(sim, 'data_tags?limit=0');
    const { body } = await callJson(sim, '/_sim/reset', { method: 'POST', ...noToken });
    expect(body).toMatchObject({ connectedDataStores: 3, pendingFaults: 0, requests: 0 });
  });
});

describe('request log hygiene', () => {
  it('never records a token value, even one sent in the query string', async () => {
    const secret = 'very-secret-token-value';
    const rotated = await startSimulator({ tokens: [{ token: secret, access: 'read-write' }] });
    try {
      await call(rotated, 'data_tags', { headers: { apikey: secret, 'Netskope-Api-Token': secret } });
      await call(rotated, `data_tags?token=${secret}`, { headers: { apikey: secret } });
      await call(rotated, `data_tags?x=${secret}`, { headers: { apikey: secret } });
      await call(rotated, 'data_tags', { headers: { apikey: 'wrong-guess' } });
      const log = await callJson(rotated, '/_sim/requests', noToken);
      const text = JSON.stringify(log.body) + JSON.stringify(rotated.requests);
      expect(text).not.toContain(secret);
      expect(text).not.toContain('wrong-guess');
      expect(log.body.results.map((entry: { query: unknown }) => entry.query)).toEqual([
        {},
        { token: '[redacted]' },
        { x: '[redacted]' },
        {},
      ]);
      expect(log.body.results.map((entry: { authHeader: string }) => entry.authHeader)).toEqual([
        'both',
        'apikey',
        'apikey',
        'apikey',
      ]);
    } finally {
      await rotated.close();
    }
  });

  it('keeps the default token out of the state and the fault list too', async () => {
    const state = await callJson(sim, '/_sim/state', noToken);
    const faults = await callJson(sim, '/_sim/faults', noToken);
    expect(JSON.stringify([state.body, faults.body])).not.toContain(TOKEN);
  });
});
