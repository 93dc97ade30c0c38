import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { parseResponse } from '#shared/dspm/parse.ts';
import {
  bareNumberSchema,
  connectedDataStoreSchema,
  dataTagCategorySchema,
  dataTagSchema,
  infrastructureConnectionSchema,
  listPageSchema,
  platformSchema,
  serviceSchema,
} from '#shared/dspm/schemas.ts';
import { guideExamples, loadFixture } from '../../helpers/fixtures.ts';

/** Which schema reads each route's response, keyed by method and route as the guide writes them. */
function schemaFor(method: string, url: string): z.ZodMiniType {
  const route = new URL(url).pathname.replace('/api/v2/dspm/', '');
  const key = `${method} ${route}`;
  const schemas: Record<string, z.ZodMiniType> = {
    'GET infrastructure_connections/platforms': listPageSchema(platformSchema, 'results'),
    'GET infrastructure_connections': listPageSchema(infrastructureConnectionSchema, 'results'),
    'GET data_stores/services': listPageSchema(serviceSchema, 'results'),
    'GET data_stores/connected': listPageSchema(connectedDataStoreSchema, 'results'),
    'GET data_tags': listPageSchema(dataTagSchema, 'data_tags'),
    'POST data_tag_categories': dataTagCategorySchema,
    'POST data_tags': dataTagSchema,
    'PUT data_tags': dataTagSchema,
    'DELETE data_tags/11': bareNumberSchema,
    'PUT connected_data_stores': bareNumberSchema,
  };
  const schema = schemas[key];
  if (!schema) throw new Error(`no schema for ${key}`);
  return schema;
}

describe("the guide's example responses", () => {
  it.each(guideExamples().map((example) => [example.name, example] as const))(
    '%s parses',
    (_name, example) => {
      // Arrange
      const body = loadFixture(`dspm/${example.response}`);
      // Act
      const parsed = parseResponse(
        schemaFor(example.method, example.url),
        { status: 200, body, requestId: 'r', path: example.url },
        example.method,
      );
      // Assert: nothing is lost, unknown fields included.
      expect(parsed).toEqual(body);
    },
  );

  it('covers every route of the guide', () => {
    const routes = new Set(
      guideExamples().map((e) => `${e.method} ${new URL(e.url).pathname.replace(/\/\d+$/, '/{id}')}`),
    );
    expect([...routes].sort()).toEqual([
      'DELETE /api/v2/dspm/data_tags/{id}',
      'GET /api/v2/dspm/data_stores/connected',
      'GET /api/v2/dspm/data_stores/services',
      'GET /api/v2/dspm/data_tags',
      'GET /api/v2/dspm/infrastructure_connections',
      'GET /api/v2/dspm/infrastructure_connections/platforms',
      'POST /api/v2/dspm/data_tag_categories',
      'POST /api/v2/dspm/data_tags',
      'PUT /api/v2/dspm/connected_data_stores',
      'PUT /api/v2/dspm/data_tags',
    ]);
  });

  it('keeps -1 ("not computed") as the API sent it', () => {
    const body = loadFixture('dspm/connected-data-stores.response.json');
    const page = parseResponse(
      listPageSchema(connectedDataStoreSchema, 'results'),
      { status: 200, body, requestId: undefined, path: 'x' },
      'GET',
    );
    expect(page.results.find((s) => s.id === 3)?.data_store_risk_rating).toBe(-1);
  });
});

describe('a response of the wrong shape', () => {
  it('names the route, the field, what was expected and the request id', () => {
    // Arrange
    const body = loadFixture<{ results: Record<string, unknown>[] }>(
      'dspm/connected-data-stores.response.json',
    );
    const third = body.results[2];
    if (!third) throw new Error('fixture has three stores');
    third.data_store_risk_rating = 'high';
    // Act
    const parse = () =>
      parseResponse(
        listPageSchema(connectedDataStoreSchema, 'results'),
        { status: 200, body, requestId: 'req-42', path: 'data_stores/connected?offset=0&limit=100' },
        'GET',
      );
    // Assert
    expect(parse).toThrow(
      'GET data_stores/connected?offset=0&limit=100: unexpected response shape: results[2].data_store_risk_rating: expected number, got string (x-request-id req-42)',
    );
  });

  it('says when the list key is missing, as when data_tags is read as results', () => {
    const body = loadFixture('dspm/data-tags.response.json');
    const parse = () =>
      parseResponse(
        listPageSchema(dataTagSchema, 'results'),
        { status: 200, body, requestId: undefined, path: 'data_tags' },
        'GET',
      );
    expect(parse).toThrow(/results: expected array, got nothing \(field missing\)/);
  });
});
