import { describe, expect, it } from 'vitest';
import { isValueOfType, STORE_FIELDS } from '#simulator/fields.ts';
import { DEFAULT_SEED, generateTenant } from '#simulator/scale.ts';

describe('generateTenant', () => {
  it('builds byte-identical data from the same options', () => {
    const first = JSON.stringify(generateTenant({ stores: 2_000, seed: 7 }));
    const second = JSON.stringify(generateTenant({ stores: 2_000, seed: 7 }));
    expect(second).toBe(first);
  });

  it('uses the default seed when none is given', () => {
    expect(JSON.stringify(generateTenant({ stores: 300 }))).toBe(
      JSON.stringify(generateTenant({ stores: 300, seed: DEFAULT_SEED })),
    );
  });

  it('builds different data from a different seed', () => {
    expect(JSON.stringify(generateTenant({ stores: 300, seed: 1 }))).not.toBe(
      JSON.stringify(generateTenant({ stores: 300, seed: 2 })),
    );
  });

  it('numbers 100,000 stores 1..N in ascending order', () => {
    const { stores } = generateTenant({ stores: 100_000 });
    expect(stores).toHaveLength(100_000);
    expect(stores.every((store, index) => store.id === index + 1)).toBe(true);
  });

  it('gives every store every API field with a value of the right type', () => {
    const { stores } = generateTenant({ stores: 1_000 });
    const fields = Object.keys(STORE_FIELDS).join();
    const problems = stores.flatMap((store) => {
      const record = store as unknown as Record<string, unknown>;
      const wrong = Object.entries(STORE_FIELDS).filter(
        ([field, type]) => !isValueOfType(type, record[field]),
      );
      const shape = Object.keys(store).join() === fields ? [] : [`store ${store.id}: fields differ`];
      return [...shape, ...wrong.map(([field]) => `store ${store.id}: ${field}`)];
    });
    expect(problems).toEqual([]);
  });

  it('spreads stores over several connections and services that exist', () => {
    const tenant = generateTenant({ stores: 5_000 });
    const connectionIds = new Set(tenant.connections.map((connection) => connection.id));
    const serviceIds = new Set(tenant.services.map((service) => service.id));
    const usedConnections = new Set(tenant.stores.map((store) => store.infrastructure_connection_id));
    const usedServices = new Set(tenant.stores.map((store) => store.service_id));
    expect(usedConnections.size).toBeGreaterThanOrEqual(8);
    expect(usedServices.size).toBeGreaterThanOrEqual(8);
    expect([...usedConnections].every((id) => connectionIds.has(id))).toBe(true);
    expect([...usedServices].every((id) => serviceIds.has(id))).toBe(true);
  });

  it('keeps each store in its connection account and its endpoint unique', () => {
    const tenant = generateTenant({ stores: 5_000 });
    const accounts = new Map(tenant.connections.map((connection) => [connection.id, connection.account_id]));
    expect(
      tenant.stores.every((store) => accounts.get(store.infrastructure_connection_id) === store.account_id),
    ).toBe(true);
    expect(new Set(tenant.stores.map((store) => store.endpoint)).size).toBe(5_000);
  });

  it('marks some scores as not computed (-1) and tags some stores with seeded tags only', () => {
    const tenant = generateTenant({ stores: 5_000 });
    const tagIds = new Set(tenant.tags.map((tag) => tag.id));
    const unrated = tenant.stores.filter((store) => store.data_store_risk_rating === -1).length;
    const tagged = tenant.stores.filter((store) => store.data_tags.length > 0);
    expect(unrated).toBeGreaterThan(0);
    expect(unrated).toBeLessThan(1_000);
    expect(tagged.length).toBeGreaterThan(0);
    expect(tagged.every((store) => store.data_tags.every((id) => tagIds.has(id)))).toBe(true);
  });

  it('keeps scores within 0..100 apart from -1', () => {
    const { stores } = generateTenant({ stores: 2_000 });
    const scores = stores.flatMap((store) => [
      store.data_store_risk_rating,
      store.data_store_sensitivity_score,
    ]);
    expect(scores.every((score) => score === -1 || (score >= 0 && score <= 100))).toBe(true);
  });

  it('builds an empty tenant for zero stores', () => {
    const tenant = generateTenant({ stores: 0 });
    expect(tenant.stores).toEqual([]);
    expect(tenant.discovered).toEqual([]);
    expect(tenant.platforms).toHaveLength(6);
  });

  it.each([-1, 1.5, Number.NaN])('refuses %d stores', (stores) => {
    expect(() => generateTenant({ stores })).toThrow(RangeError);
  });
});
