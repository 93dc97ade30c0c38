import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DspmBadRequestError, DspmConnectionError } from '#shared/dspm/errors.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';
import { loadFixture } from '../../helpers/fixtures.ts';

describe('writes', () => {
  let sim: RunningSimulator;
  const capture = new Capture();
  beforeAll(async () => {
    sim = await startSimulator();
  });
  beforeEach(() => {
    sim.tenant.reset();
    sim.faults.clear();
    sim.clearRequests();
  });
  afterAll(() => sim.close());

  it("creates the guide's category and tag, and finds the tag by category", async () => {
    const client = testClient(sim.url);
    const category = await client.createDataTagCategory(
      loadFixture('dspm/create-data-tag-category.request.json'),
    );
    expect(category).toMatchObject({ name: 'Remote System', is_system_created: false });
    const tag = await client.createDataTag({
      ...loadFixture<{ name: string; category_id: number }>('dspm/create-data-tag.request.json'),
      category_id: category.id,
    });
    expect(tag).toMatchObject({ name: 'Unprotected', category_id: category.id });
    expect(await client.findDataTagByName('Unprotected')).toEqual(tag);
  });

  it("replaces a store's whole tag list, keeping the tags written with it", async () => {
    const client = testClient(sim.url);
    const store = (await client.connectedDataStores().toArray(10)).find((s) => s.id === 3);
    if (!store) throw new Error('the guide tenant has store 3');
    await client.updateConnectedDataStoreTags({ ...store, data_tags: [1000004, 1000007] });
    const after = (await client.connectedDataStores().toArray(10)).find((s) => s.id === 3);
    expect(after?.data_tags).toEqual([1000004, 1000007]);
  });

  it('names the unknown tag ids the tenant refused', async () => {
    const client = testClient(sim.url, { logger: capture });
    const error = await capture.caught(() =>
      client.updateConnectedDataStoreTags({
        id: 1,
        name: 'engineering',
        endpoint: 'e',
        service_id: 5,
        data_tags: [999_999],
      }),
    );
    expect(error).toBeInstanceOf(DspmBadRequestError);
    expect(error.message).toContain('999999');
    expect(client.stats.requests).toBe(1);
  });

  it('updates and deletes a catalog tag', async () => {
    const client = testClient(sim.url);
    const gdpr = await client.findDataTagByName('GDPR');
    if (!gdpr) throw new Error('the guide tenant has GDPR');
    expect(await client.updateDataTag({ ...gdpr, description: 'changed' })).toMatchObject({
      description: 'changed',
    });
    expect(await client.deleteDataTag(gdpr.id)).toBe(gdpr.id);
    expect(await client.findDataTagByName('GDPR')).toBeUndefined();
  });

  it('retries a PUT after a reset: it is idempotent', async () => {
    sim.faults.add({ kind: 'reset', count: 1, match: { method: 'PUT' } });
    const client = testClient(sim.url);
    await client.updateConnectedDataStoreTags({
      id: 2,
      name: 'finance',
      endpoint: 'e',
      service_id: 4,
      data_tags: [1000005],
    });
    expect(client.stats.retries).toBe(1);
  });

  it('looks a tag up by name before posting it again after an ambiguous failure', async () => {
    // Arrange: the first POST is answered by a reset.
    sim.faults.add({ kind: 'reset', count: 1, match: { method: 'POST', route: 'data_tags' } });
    const client = testClient(sim.url);
    // Act
    const tag = await client.createDataTag({ name: 'Unprotected', category_id: 3 });
    // Assert: one lookup between the two POSTs, and exactly one tag of that name.
    const calls = sim.requests.map((r) => `${r.method} ${r.route}`);
    expect(calls).toEqual(['POST data_tags', 'GET data_tags', 'POST data_tags']);
    expect(tag.name).toBe('Unprotected');
    expect((await client.dataTags().toArray(100)).filter((t) => t.name === 'Unprotected')).toHaveLength(1);
  });

  it('gives up on a create whose outcome stays unknown, without a third POST', async () => {
    sim.faults.add({ kind: 'reset', count: 5, match: { method: 'POST' } });
    const client = testClient(sim.url, { logger: capture });
    const error = await capture.caught(() => client.createDataTag({ name: 'Unprotected', category_id: 3 }));
    expect(error).toBeInstanceOf(DspmConnectionError);
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});
