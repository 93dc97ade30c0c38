/**
 * The DSPM API routes of the guide, under `/api/v2/dspm/`, and what each one does to the tenant.
 * Handlers return a status and a JSON value; the server adds headers, faults and latency.
 */
import {
  type JsonObject,
  optionalBoolean,
  optionalString,
  requiredInteger,
  requiredIntegerArray,
  requiredString,
} from './body.ts';
import { HttpError } from './errors.ts';
import {
  CONNECTION_FIELDS,
  DISCOVERED_FIELDS,
  type FieldSchema,
  PLATFORM_FIELDS,
  SERVICE_FIELDS,
  STORE_FIELDS,
  TAG_FIELDS,
} from './fields.ts';
import { compileFilter, parseFilter } from './filter.ts';
import { pageOf, parsePaging } from './paging.ts';
import { allowOnly, type Query } from './query.ts';
import type { RouteDefinition } from './router.ts';
import { type Tenant, TenantError, type TenantView } from './tenant.ts';

/** The base path every API route lives under. */
export const BASE_PATH = '/api/v2/dspm/';

/** What a handler gets. */
export interface ApiContext {
  tenant: Tenant;
  query: Query;
  params: Readonly<Record<string, string>>;
  maxPageSize: number;
  /** Reads and parses the request body (write routes only). */
  readBody: () => Promise<JsonObject>;
}

/** A handler's answer before the server serializes it. */
export interface ApiResult {
  status: number;
  body: unknown;
}

/** One API route handler. */
export type ApiHandler = (context: ApiContext) => Promise<ApiResult>;

const LIST_PARAMETERS = ['offset', 'limit', 'filter'] as const;

/**
 * A list route: paging, optional filter, `{"total", <key>: [...]}`. `total` counts every match,
 * not just the page.
 */
function listRoute(
  resource: string,
  key: 'results' | 'data_tags',
  schema: FieldSchema,
  items: (view: TenantView) => readonly object[],
): ApiHandler {
  return async ({ tenant, query, maxPageSize }) => {
    const { offset, limit, filter } = allowOnly(query, LIST_PARAMETERS);
    const page = parsePaging(offset, limit, maxPageSize);
    const matches = filter === undefined ? undefined : compileFilter(parseFilter(filter), schema, resource);
    const { total, results } = pageOf(
      items(tenant.view()) as readonly Record<string, unknown>[],
      page,
      matches,
    );
    return { status: 200, body: { total, [key]: results } };
  };
}

/** Runs a tenant operation, turning its refusals into HTTP errors (404, 409, 400). */
export function tenantCall<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (!(error instanceof TenantError)) throw error;
    const status = error.kind === 'not-found' ? 404 : error.kind === 'conflict' ? 409 : 400;
    throw new HttpError(status, error.message);
  }
}

const createCategory: ApiHandler = async ({ tenant, query, readBody }) => {
  allowOnly(query, []);
  const body = await readBody();
  const input = {
    name: requiredString(body, 'name', true),
    description: optionalString(body, 'description'),
    is_enabled: optionalBoolean(body, 'is_enabled'),
  };
  optionalBoolean(body, 'is_system_created');
  return { status: 200, body: tenantCall(() => tenant.createCategory(input)) };
};

function tagFields(body: JsonObject) {
  return {
    name: requiredString(body, 'name', true),
    category_id: requiredInteger(body, 'category_id'),
    description: optionalString(body, 'description'),
    color: optionalString(body, 'color'),
    is_enabled: optionalBoolean(body, 'is_enabled'),
  };
}

const createTag: ApiHandler = async ({ tenant, query, readBody }) => {
  allowOnly(query, []);
  const input = tagFields(await readBody());
  return { status: 200, body: tenantCall(() => tenant.createTag(input)) };
};

const updateTag: ApiHandler = async ({ tenant, query, readBody }) => {
  allowOnly(query, []);
  const body = await readBody();
  const update = { id: requiredInteger(body, 'id'), ...tagFields(body) };
  return { status: 200, body: tenantCall(() => tenant.updateTag(update)) };
};

/** The guide answers a delete with the bare id. */
const deleteTag: ApiHandler = async ({ tenant, query, params }) => {
  allowOnly(query, []);
  const text = params.id ?? '';
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id)) {
    throw new HttpError(400, `data tag id must be a non-negative integer, got "${text}"`);
  }
  tenantCall(() => tenant.deleteTag(id));
  return { status: 200, body: id };
};

/**
 * Replaces a store's tags (and name, endpoint, service). The guide's example answers a bare
 * number (19, for store 3); the simulator answers the store's id.
 */
const putConnectedDataStore: ApiHandler = async ({ tenant, query, readBody }) => {
  allowOnly(query, []);
  const body = await readBody();
  const update = {
    id: requiredInteger(body, 'id'),
    name: requiredString(body, 'name'),
    endpoint: requiredString(body, 'endpoint'),
    service_id: requiredInteger(body, 'service_id'),
    data_tags: requiredIntegerArray(body, 'data_tags'),
  };
  tenantCall(() => tenant.putConnectedDataStore(update));
  return { status: 200, body: update.id };
};

/** Every route of the guide, by pattern relative to {@link BASE_PATH}. */
export const API_ROUTES: readonly RouteDefinition<ApiHandler>[] = [
  {
    pattern: 'infrastructure_connections/platforms',
    methods: {
      GET: listRoute('infrastructure_connections/platforms', 'results', PLATFORM_FIELDS, (v) => v.platforms),
    },
  },
  {
    pattern: 'infrastructure_connections',
    methods: {
      GET: listRoute('infrastructure_connections', 'results', CONNECTION_FIELDS, (v) => v.connections),
    },
  },
  {
    pattern: 'data_stores/services',
    methods: { GET: listRoute('data_stores/services', 'results', SERVICE_FIELDS, (v) => v.services) },
  },
  {
    pattern: 'data_stores/connected',
    methods: { GET: listRoute('data_stores/connected', 'results', STORE_FIELDS, (v) => v.stores) },
  },
  {
    pattern: 'data_stores/discovered',
    methods: { GET: listRoute('data_stores/discovered', 'results', DISCOVERED_FIELDS, (v) => v.discovered) },
  },
  {
    pattern: 'data_tags',
    methods: {
      GET: listRoute('data_tags', 'data_tags', TAG_FIELDS, (v) => v.tags),
      POST: createTag,
      PUT: updateTag,
    },
  },
  { pattern: 'data_tags/{id}', methods: { DELETE: deleteTag } },
  { pattern: 'data_tag_categories', methods: { POST: createCategory } },
  { pattern: 'connected_data_stores', methods: { PUT: putConnectedDataStore } },
];
