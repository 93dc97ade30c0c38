import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, or } from '#shared/dspm/filter.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { Capture } from '../../helpers/capture.ts';
import { testClient } from '../../helpers/dspm-client.ts';

describe('listing against the guide tenant', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('reads every list route with its own envelope, data_tags included', async () => {
    const client = testClient(sim.url);
    const [platforms, connections, services, stores, tags] = await Promise.all([
      client.platforms().toArray(100),
      client.infrastructureConnections().toArray(100),
      client.services().toArray(100),
      client.connectedDataStores().toArray(100),
      client.dataTags().toArray(100),
    ]);
    expect(platforms.map((p) => p.name)).toContain('AWS');
    expect(connections.map((c) => c.name)).toEqual(['aws-demo', 'aws-production']);
    expect(services.find((s) => s.id === 5)).toMatchObject({ name: 'rdspostgres', display_name: 'Postgres' });
    expect(stores.map((s) => s.name)).toEqual(['engineering', 'finance', 'production']);
    expect(tags.map((t) => t.name)).toEqual(['GDPR', 'CCPA', 'PCI', 'PII', 'SOX', 'HIPAA']);
  });

  it('reads discovered data stores', async () => {
    const listing = testClient(sim.url).discoveredDataStores();
    const discovered = await listing.toArray(1_000);
    expect(discovered.length).toBeGreaterThan(0);
    expect(listing.report().complete).toBe(true);
  });

  it.each([
    ['one clause', eq('infrastructure_connection_id', 1), [1, 3]],
    [
      'the guide\'s "&&" example, encoded',
      and(eq('infrastructure_connection_id', 2), eq('service_id', 4)),
      [2],
    ],
    ['an or', or(eq('id', 1), eq('id', 2)), [1, 2]],
    ['a quoted string', eq('name', 'production'), [3]],
  ])('filters with %s', async (_case, filter, ids) => {
    const stores = await testClient(sim.url).connectedDataStores({ filter }).toArray(100);
    expect(stores.map((s) => s.id)).toEqual(ids);
  });

  it('finds a catalog tag by name', async () => {
    const client = testClient(sim.url);
    expect(await client.findDataTagByName('PII')).toMatchObject({ id: 1000007, category_id: 5 });
    expect(await client.findDataTagByName('No such tag')).toBeUndefined();
  });
});

describe('listing 10,000 stores', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ stores: 10_000 });
  });
  afterAll(() => sim.close());

  it('gets every store once, with pages fetched concurrently, and reports the listing complete', async () => {
    // Arrange
    const capture = new Capture();
    const client = testClient(sim.url, { logger: capture, concurrency: 8, pageSize: 100 });
    sim.clearRequests();
    // Act
    const listing = client.connectedDataStores();
    const ids: number[] = [];
    for await (const store of listing) ids.push(store.id);
    // Assert
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(listing.report()).toEqual({
      complete: true,
      reason: undefined,
      total: 10_000,
      received: 10_000,
      duplicates: 0,
      pages: 100,
    });
    expect(client.stats).toMatchObject({ requests: 100, retries: 0, failures: 0 });
    expect(sim.requests.filter((r) => r.route === 'data_stores/connected')).toHaveLength(100);
  });

  it('reports an incomplete listing when stores are removed while it runs', async () => {
    // Arrange: remove one store of the first page once the third page is asked for.
    const local = await startSimulator({
      stores: 1_000,
      onRequest: (entry) => {
        if (entry.route === 'data_stores/connected' && entry.query.offset === '200')
          local.tenant.removeStore(5);
      },
    });
    try {
      // Act
      const listing = testClient(local.url, { concurrency: 1 }).connectedDataStores();
      await listing.toArray(10_000);
      // Assert
      expect(listing.report()).toMatchObject({
        complete: false,
        reason: 'total changed from 1000 to 999 during the listing',
      });
    } finally {
      await local.close();
    }
  });
});
