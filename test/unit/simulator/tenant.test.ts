import { describe, expect, it } from 'vitest';
import { Tenant, TenantError } from '#simulator/tenant.ts';

function errorKind(operation: () => unknown): string {
  try {
    operation();
  } catch (error) {
    expect(error).toBeInstanceOf(TenantError);
    return `${(error as TenantError).kind}: ${(error as Error).message}`;
  }
  throw new Error('the operation succeeded');
}

describe('Tenant reads', () => {
  it("starts as the guide's tenant when no size is given", () => {
    const tenant = new Tenant();
    expect(tenant.counts()).toEqual({
      platforms: 6,
      infrastructureConnections: 2,
      services: 13,
      dataTagCategories: 2,
      dataTags: 6,
      connectedDataStores: 3,
      discoveredDataStores: 3,
    });
  });

  it('starts as a generated tenant of the requested size', () => {
    expect(new Tenant({ stores: 250 }).counts().connectedDataStores).toBe(250);
  });

  it('hands out copies that cannot change the tenant', () => {
    const tenant = new Tenant();
    const store = tenant.getStore(1);
    store?.data_tags.push(1000004);
    const [tag] = tenant.listTags();
    if (tag) tag.name = 'changed';
    expect(tenant.getStore(1)?.data_tags).toEqual([]);
    expect(tenant.getTag(1000004)?.name).toBe('GDPR');
  });

  it('returns undefined for an unknown store, tag or category', () => {
    const tenant = new Tenant();
    expect([tenant.getStore(99), tenant.getTag(99), tenant.getCategory(99)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('Tenant store mutations', () => {
  it('adds a store with the next id and not-computed defaults', () => {
    const tenant = new Tenant();
    const store = tenant.addStore({ name: 'new-db', infrastructure_connection_id: 2 });
    expect(store).toMatchObject({
      id: 4,
      name: 'new-db',
      infrastructure_connection_id: 2,
      account_id: '234567890123',
      service_id: 5,
      data_store_risk_rating: -1,
      data_tags: [],
    });
    expect(tenant.listStores().map((item) => item.id)).toEqual([1, 2, 3, 4]);
  });

  it('never reuses the id of a removed store', () => {
    const tenant = new Tenant();
    tenant.removeStore(3);
    expect(tenant.addStore().id).toBe(4);
    expect(tenant.listStores().map((item) => item.id)).toEqual([1, 2, 4]);
  });

  it('updates only the patched fields', () => {
    const tenant = new Tenant();
    const updated = tenant.updateStore(1, { data_store_risk_rating: 72, encryption: 'On' });
    expect(updated).toMatchObject({
      id: 1,
      name: 'engineering',
      data_store_risk_rating: 72,
      encryption: 'On',
    });
    expect(tenant.getStore(1)).toEqual(updated);
  });

  it.each([
    [
      'an unknown store',
      () => new Tenant().updateStore(9, { name: 'x' }),
      'not-found: no connected data store with id 9',
    ],
    [
      'a changed id',
      () => new Tenant().updateStore(1, { id: 2 } as never),
      'invalid: a store id cannot be changed',
    ],
    [
      'an unknown field',
      () => new Tenant().updateStore(1, { colour: 'x' } as never),
      'invalid: unknown store field "colour"',
    ],
    ['a wrong type', () => new Tenant().updateStore(1, { table_count: '3' } as never), 'must be an integer'],
    ['a bad On/Off', () => new Tenant().updateStore(1, { backup: 'on' } as never), 'must be "On" or "Off"'],
    [
      'an unknown tag',
      () => new Tenant().updateStore(1, { data_tags: [5] }),
      'invalid: unknown data tag ids: 5',
    ],
    ['an unknown service', () => new Tenant().addStore({ service_id: 99 }), 'invalid: unknown service_id 99'],
    [
      'an unknown connection',
      () => new Tenant().addStore({ infrastructure_connection_id: 9 }),
      'invalid: unknown infrastructure_connection_id 9',
    ],
    ['removing an unknown store', () => new Tenant().removeStore(9), 'not-found'],
  ])('refuses %s', (_case, operation, expected) => {
    expect(errorKind(operation)).toContain(expected);
  });

  it('goes back to the initial data on reset', () => {
    const tenant = new Tenant({ stores: 20, seed: 3 });
    const initial = JSON.stringify(tenant.listStores());
    tenant.removeStore(5);
    tenant.updateStore(6, { name: 'renamed' });
    tenant.addStore();
    tenant.createTag({ name: 'Unprotected', category_id: 3 });
    tenant.reset();
    expect(JSON.stringify(tenant.listStores())).toBe(initial);
    expect(tenant.counts().dataTags).toBe(6);
    expect(tenant.addStore().id).toBe(21);
  });
});

describe('Tenant tag catalog', () => {
  it('creates a category with the next id that is never system-created', () => {
    const tenant = new Tenant();
    expect(tenant.createCategory({ name: 'Remote System', description: 'External tags' })).toEqual({
      id: 6,
      name: 'Remote System',
      description: 'External tags',
      is_system_created: false,
      is_enabled: true,
    });
  });

  it("creates a custom tag with id 11, as in the guide's example, listed before the seeded ids", () => {
    const tenant = new Tenant();
    const category = tenant.createCategory({ name: 'Remote System' });
    const tag = tenant.createTag({ name: 'Unprotected', category_id: category.id, color: '#e3d9ff' });
    expect(tag).toEqual({
      id: 11,
      name: 'Unprotected',
      description: '',
      category_id: 6,
      color: '#e3d9ff',
      is_enabled: true,
    });
    expect(tenant.listTags()[0]?.id).toBe(11);
    expect(tenant.createTag({ name: 'Second', category_id: 6 }).id).toBe(12);
  });

  it.each([
    [
      'a duplicate category name, ignoring case',
      (t: Tenant) => t.createCategory({ name: 'compliance' }),
      'conflict',
    ],
    ['an empty category name', (t: Tenant) => t.createCategory({ name: ' ' }), 'invalid: category "name"'],
    [
      'a tag in an unknown category',
      (t: Tenant) => t.createTag({ name: 'X', category_id: 1 }),
      'invalid: unknown category_id 1',
    ],
    [
      'a duplicate tag name',
      (t: Tenant) => t.createTag({ name: 'gdpr', category_id: 3 }),
      'conflict: a data tag named "gdpr"',
    ],
    [
      'updating an unknown tag',
      (t: Tenant) => t.updateTag({ id: 5, name: 'X', category_id: 3 }),
      'not-found',
    ],
    [
      'renaming a tag onto another',
      (t: Tenant) => t.updateTag({ id: 1000004, name: 'CCPA', category_id: 3 }),
      'conflict',
    ],
    ['deleting an unknown tag', (t: Tenant) => t.deleteTag(5), 'not-found: no data tag with id 5'],
  ])('refuses %s', (_case, operation, expected) => {
    const tenant = new Tenant();
    expect(errorKind(() => operation(tenant))).toContain(expected);
  });

  it('updates a tag and keeps fields the update leaves out', () => {
    const tenant = new Tenant();
    const updated = tenant.updateTag({ id: 1000004, name: 'GDPR', category_id: 5, is_enabled: false });
    expect(updated).toEqual({
      id: 1000004,
      name: 'GDPR',
      description: 'GDPR-protected data',
      category_id: 5,
      color: '#e3d9ff',
      is_enabled: false,
    });
  });

  it('removes a deleted tag from every store that carried it', () => {
    const tenant = new Tenant();
    tenant.updateStore(1, { data_tags: [1000004, 1000005] });
    tenant.updateStore(3, { data_tags: [1000004] });
    expect(tenant.deleteTag(1000004)).toBe(2);
    expect(tenant.listStores().map((store) => store.data_tags)).toEqual([[1000005], [], []]);
    expect(tenant.getTag(1000004)).toBeUndefined();
  });

  it('replaces the whole tag list, name, endpoint and service of a store', () => {
    const tenant = new Tenant();
    tenant.updateStore(3, { data_tags: [1000004] });
    tenant.putConnectedDataStore({
      id: 3,
      name: 'Production DB',
      endpoint: 'e',
      service_id: 6,
      data_tags: [1000007, 1000007],
    });
    expect(tenant.getStore(3)).toMatchObject({
      name: 'Production DB',
      endpoint: 'e',
      service_id: 6,
      data_tags: [1000007],
    });
  });

  it('refuses a tag list with unknown ids and names every one of them', () => {
    const tenant = new Tenant();
    const put = () =>
      tenant.putConnectedDataStore({
        id: 3,
        name: 'p',
        endpoint: 'e',
        service_id: 5,
        data_tags: [1000004, 12, 13],
      });
    expect(errorKind(put)).toBe('invalid: unknown data tag ids: 12, 13');
    expect(tenant.getStore(3)?.data_tags).toEqual([]);
  });
});
