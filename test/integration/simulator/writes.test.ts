import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { call, callJson, TOKEN } from './http.ts';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator();
});

beforeEach(() => {
  sim.tenant.reset();
});

afterAll(async () => {
  await sim.close();
});

const REMOTE_SYSTEM = {
  name: 'Remote System',
  description: 'External tags defined in remote system',
  is_system_created: false,
  is_enabled: true,
};

const UNPROTECTED = {
  name: 'Unprotected',
  description: 'Data store is not currently-protected within remote system',
  category_id: 6,
  color: '#e3d9ff',
  is_enabled: true,
};

async function createGuideTag(): Promise<number> {
  await callJson(sim, 'data_tag_categories', { method: 'POST', body: REMOTE_SYSTEM });
  const { body } = await callJson(sim, 'data_tags', { method: 'POST', body: UNPROTECTED });
  return body.id;
}

describe('POST data_tag_categories', () => {
  it("creates the guide's category and answers it with id 6", async () => {
    const { status, body } = await callJson(sim, 'data_tag_categories', {
      method: 'POST',
      body: REMOTE_SYSTEM,
    });
    expect(status).toBe(200);
    expect(body).toEqual({ id: 6, ...REMOTE_SYSTEM });
  });

  it('answers a duplicate name with 409 and a message', async () => {
    await callJson(sim, 'data_tag_categories', { method: 'POST', body: REMOTE_SYSTEM });
    const { status, body } = await callJson(sim, 'data_tag_categories', {
      method: 'POST',
      body: REMOTE_SYSTEM,
    });
    expect(status).toBe(409);
    expect(body.message).toContain('"Remote System" already exists');
  });
});

describe('POST, PUT and DELETE data_tags', () => {
  it('creates a tag that then shows up under its category filter', async () => {
    const id = await createGuideTag();
    const { body } = await callJson(sim, `data_tags?filter=${encodeURIComponent('category_id eq 6')}`);
    expect(id).toBe(11);
    expect(body).toEqual({ total: 1, data_tags: [{ id: 11, ...UNPROTECTED }] });
  });

  it.each([
    [{ ...UNPROTECTED, category_id: 1 }, 400, 'unknown category_id 1'],
    [{ ...UNPROTECTED, name: undefined }, 400, 'missing field "name"'],
    [{ ...UNPROTECTED, category_id: '6' }, 400, 'field "category_id" must be an integer'],
    [{ ...UNPROTECTED, is_enabled: 'yes' }, 400, 'field "is_enabled" must be a boolean'],
    [{ ...UNPROTECTED, name: 'gdpr', category_id: 3 }, 409, 'a data tag named "gdpr" already exists'],
  ])('answers a bad tag %# with %d', async (tag, status, message) => {
    await callJson(sim, 'data_tag_categories', { method: 'POST', body: REMOTE_SYSTEM });
    const response = await callJson(sim, 'data_tags', { method: 'POST', body: tag });
    expect(response.status).toBe(status);
    expect(response.body.message).toContain(message);
  });

  it('updates a tag in place', async () => {
    const id = await createGuideTag();
    const update = { id, ...UNPROTECTED, description: 'Deprecated category', is_enabled: false };
    const { status, body } = await callJson(sim, 'data_tags', { method: 'PUT', body: update });
    expect(status).toBe(200);
    expect(body).toEqual(update);
    expect(sim.tenant.getTag(id)).toEqual(update);
  });

  it.each([
    [{ id: 99, ...UNPROTECTED, category_id: 3 }, 404, 'no data tag with id 99'],
    [{ ...UNPROTECTED, category_id: 3 }, 400, 'missing field "id"'],
  ])('answers a bad update %# with %d', async (update, status, message) => {
    const response = await callJson(sim, 'data_tags', { method: 'PUT', body: update });
    expect(response.status).toBe(status);
    expect(response.body.message).toContain(message);
  });

  it('deletes a tag, answers the bare id and removes it from every store', async () => {
    const id = await createGuideTag();
    sim.tenant.updateStore(1, { data_tags: [1000004, id] });
    sim.tenant.updateStore(3, { data_tags: [id] });
    const response = await call(sim, `data_tags/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('11');
    expect(sim.tenant.listStores().map((store) => store.data_tags)).toEqual([[1000004], [], []]);
  });

  it.each([
    ['data_tags/99', 404, 'no data tag with id 99'],
    ['data_tags/abc', 400, 'data tag id must be a non-negative integer'],
  ])('answers DELETE %s with %d', async (path, status, message) => {
    const response = await callJson(sim, path, { method: 'DELETE' });
    expect(response.status).toBe(status);
    expect(response.body.message).toContain(message);
  });
});

describe('PUT connected_data_stores', () => {
  const guideBody = (tags: number[]) => ({
    id: 3,
    name: 'Production DB',
    endpoint: 'production.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/prod',
    service_id: 5,
    data_tags: tags,
  });

  it("applies the guide's example, answering the store id as a bare number", async () => {
    const id = await createGuideTag();
    const response = await call(sim, 'connected_data_stores', { method: 'PUT', body: guideBody([id]) });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('3');
    expect(sim.tenant.getStore(3)).toMatchObject({ name: 'Production DB', data_tags: [11] });
  });

  it('replaces the whole tag list rather than adding to it', async () => {
    sim.tenant.updateStore(3, { data_tags: [1000004, 1000005] });
    await call(sim, 'connected_data_stores', { method: 'PUT', body: guideBody([1000007]) });
    expect(sim.tenant.getStore(3)?.data_tags).toEqual([1000007]);
  });

  it.each([
    [guideBody([1000004, 12, 13]), 400, 'unknown data tag ids: 12, 13'],
    [{ ...guideBody([]), id: 99 }, 404, 'no connected data store with id 99'],
    [{ ...guideBody([]), service_id: 99 }, 400, 'unknown service_id 99'],
    [{ ...guideBody([]), endpoint: undefined }, 400, 'missing field "endpoint"'],
    [{ ...guideBody([]), data_tags: '11' }, 400, 'field "data_tags" must be an array of integers'],
    [{ ...guideBody([]), data_tags: undefined }, 400, 'missing field "data_tags"'],
    [{ ...guideBody([]), id: '3' }, 400, 'field "id" must be an integer'],
  ])('refuses body %# with %d and leaves the store alone', async (body, status, message) => {
    sim.tenant.updateStore(3, { data_tags: [1000004] });
    const response = await callJson(sim, 'connected_data_stores', { method: 'PUT', body });
    expect(response.status).toBe(status);
    expect(response.body.message).toContain(message);
    expect(sim.tenant.getStore(3)?.data_tags).toEqual([1000004]);
  });
});

describe('request bodies', () => {
  it.each([
    [{ 'content-type': 'text/plain' }, '{"name":"x"}', 415, 'Content-Type must be application/json'],
    [{ 'content-type': 'application/json' }, '{"name":', 400, 'request body is not valid JSON'],
    [{ 'content-type': 'application/json' }, '', 400, 'request body is empty'],
    [{ 'content-type': 'application/json' }, '[1]', 400, 'request body must be a JSON object'],
  ])('answers a body sent with %j as %j with %d', async (headers, payload, status, message) => {
    const response = await fetch(`${sim.url}/api/v2/dspm/data_tag_categories`, {
      method: 'POST',
      headers: { apikey: TOKEN, ...headers },
      body: payload,
    });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { message: string }).message).toContain(message);
  });

  it('answers a query parameter on a write route with 400', async () => {
    const { status, body } = await callJson(sim, 'data_tag_categories?dry_run=true', {
      method: 'POST',
      body: REMOTE_SYSTEM,
    });
    expect(status).toBe(400);
    expect(body.message).toContain('this route takes no query parameters');
    expect(sim.tenant.listCategories()).toHaveLength(2);
  });
});
