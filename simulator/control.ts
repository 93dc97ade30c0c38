/**
 * The control API under `/_sim/`: lets a test, the demo or a person drive the simulator over HTTP
 * (tenant mutations, faults, the request log, reset). No token; loopback clients only.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tenantCall } from './api-routes.ts';
import { type JsonObject, readJsonObject } from './body.ts';
import { HttpError } from './errors.ts';
import { parseFaultRule } from './faults.ts';
import { STORE_FIELDS } from './fields.ts';
import { compileFilter, parseFilter } from './filter.ts';
import { pageOf, parsePaging } from './paging.ts';
import { allowOnly, decodeQuery, type Query } from './query.ts';
import { Reply } from './reply.ts';
import { findRoute, type RouteDefinition } from './router.ts';
import type { SimulatorState } from './state.ts';
import type { StorePatch } from './tenant.ts';

/** Path prefix of the control API. */
export const CONTROL_PREFIX = '/_sim/';

/** Largest page of `GET /_sim/stores`; it serves tests and tooling, so it may be big. */
const CONTROL_MAX_PAGE = 100_000;

interface ControlContext {
  state: SimulatorState;
  query: Query;
  params: Readonly<Record<string, string>>;
  readBody: () => Promise<JsonObject>;
}

interface ControlResult {
  status: number;
  body: unknown;
}

type ControlHandler = (context: ControlContext) => Promise<ControlResult> | ControlResult;

function ok(body: unknown, status = 200): ControlResult {
  return { status, body };
}

function storeId(params: Readonly<Record<string, string>>): number {
  const text = params.id ?? '';
  if (!/^\d+$/.test(text)) throw new HttpError(400, `store id must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function stateOf(state: SimulatorState): Record<string, unknown> {
  return {
    ...state.tenant.counts(),
    pendingFaults: state.faults.pending(),
    requests: state.log.size,
    latencyMs: state.latencyMs,
    rateLimitRps: state.limiter?.limit ?? null,
    rateLimitKind: state.limiter?.kind ?? null,
    rateLimitHeaders: state.limiter === undefined ? null : state.rateLimitHeaders,
    maxPageSize: state.maxPageSize,
  };
}

const ROUTES: readonly RouteDefinition<ControlHandler>[] = [
  { pattern: 'state', methods: { GET: ({ state }) => ok(stateOf(state)) } },
  {
    pattern: 'stores',
    methods: {
      GET: ({ state, query }) => {
        const { offset, limit, filter } = allowOnly(query, ['offset', 'limit', 'filter']);
        const page = parsePaging(offset, limit, CONTROL_MAX_PAGE);
        const matches =
          filter === undefined ? undefined : compileFilter(parseFilter(filter), STORE_FIELDS, 'stores');
        return ok(pageOf(state.tenant.view().stores as readonly Record<string, unknown>[], page, matches));
      },
      POST: async ({ state, readBody }) => {
        const body = (await readBody()) as StorePatch;
        return ok(
          tenantCall(() => state.tenant.addStore(body)),
          201,
        );
      },
    },
  },
  {
    pattern: 'stores/{id}',
    methods: {
      GET: ({ state, params }) => {
        const id = storeId(params);
        const store = state.tenant.getStore(id);
        if (store === undefined) throw new HttpError(404, `no connected data store with id ${id}`);
        return ok(store);
      },
      PATCH: async ({ state, params, readBody }) => {
        const id = storeId(params);
        const patch = (await readBody()) as StorePatch;
        return ok(tenantCall(() => state.tenant.updateStore(id, patch)));
      },
      DELETE: ({ state, params }) => {
        const id = storeId(params);
        return ok(tenantCall(() => state.tenant.removeStore(id)));
      },
    },
  },
  {
    pattern: 'faults',
    methods: {
      GET: ({ state }) => ok({ pending: state.faults.pending(), rules: state.faults.list() }),
      POST: async ({ state, readBody }) => {
        const rule = state.faults.add(parseFaultRule(await readBody()));
        return ok({ rule, pending: state.faults.pending() }, 201);
      },
      DELETE: ({ state }) => {
        state.faults.clear();
        return ok({ pending: 0 });
      },
    },
  },
  {
    pattern: 'requests',
    methods: {
      GET: ({ state }) => {
        const entries = state.log.entries();
        return ok({ total: entries.length, results: entries });
      },
      DELETE: ({ state }) => {
        const cleared = state.log.size;
        state.log.clear();
        return ok({ cleared });
      },
    },
  },
  {
    pattern: 'reset',
    methods: {
      POST: ({ state }) => {
        state.tenant.reset();
        state.faults.clear();
        state.log.clear();
        return ok(stateOf(state));
      },
    },
  },
];

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Handles a request whose path starts with {@link CONTROL_PREFIX}. Never throws. */
export async function handleControlRequest(
  state: SimulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const reply = new Reply(response, randomUUID());
  try {
    // The server listens on loopback only; this guards against a future change of that.
    if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      throw new HttpError(403, 'the control API only answers loopback clients');
    }
    const method = request.method ?? 'GET';
    const lookup = findRoute(ROUTES, url.pathname.slice(CONTROL_PREFIX.length), method);
    if (lookup.kind === 'not-found') throw new HttpError(404, `no control route ${url.pathname}`);
    if (lookup.kind === 'method-not-allowed') {
      throw new HttpError(405, `${method} is not allowed on ${url.pathname}`, {
        allow: lookup.allow.join(', '),
      });
    }
    const result = await lookup.handler({
      state,
      query: decodeQuery(url.searchParams),
      params: lookup.params,
      readBody: () => readJsonObject(request),
    });
    reply.json(result.status, result.body);
  } catch (error) {
    if (error instanceof HttpError) reply.error(error.status, error.message, error.headers);
    else reply.error(500, `internal simulator error: ${(error as Error).message}`);
  }
}
