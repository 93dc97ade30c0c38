/**
 * One DSPM API request, start to end: log -> onRequest hook -> latency -> rate limit -> route ->
 * authentication -> privilege -> fault -> handler -> (reshaping fault) -> response.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { API_ROUTES, type ApiResult, BASE_PATH } from './api-routes.ts';
import { authHeaderUsed, authorize } from './auth.ts';
import { readJsonObject } from './body.ts';
import { HttpError } from './errors.ts';
import {
  DEFAULT_OVERSIZED_BYTES,
  padJson,
  reshapesResponse,
  retryAfterHeader,
  sendSlowly,
  shiftTotal,
  truncateJson,
  wrongShape,
} from './fault-responses.ts';
import type { FaultRule } from './faults.ts';
import { decodeQuery, type Query } from './query.ts';
import type { RateLimitDecision } from './rate-limit.ts';
import { Reply } from './reply.ts';
import { redactQuery } from './request-log.ts';
import { findRoute } from './router.ts';
import type { SimulatorState } from './state.ts';

function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };
}

/** The request's offset as a fault rule sees it: absent or unreadable counts as 0. */
function offsetOf(query: Query): number {
  const value = Number(query.offset);
  return typeof query.offset === 'string' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** Answers a fault that replaces the response; returns false for a kind that reshapes it instead. */
function replaceWithFault(state: SimulatorState, reply: Reply, rule: FaultRule): boolean {
  switch (rule.kind) {
    case 'status': {
      const status = rule.status ?? 500;
      const extra =
        rule.retryAfter === undefined ? {} : { 'retry-after': String(Math.ceil(rule.retryAfter)) };
      reply.error(status, rule.message ?? `simulated ${status} fault`, extra);
      return true;
    }
    case 'rate-limit': {
      const seconds = rule.retryAfter ?? 1;
      reply.error(429, 'rate limit exceeded (simulated)', {
        'retry-after': retryAfterHeader(seconds, rule.retryAfterDate === true, Date.now()),
        // The limit is announced only where one is configured: a made-up one would mislead.
        ...(state.limiter ? { 'ratelimit-limit': String(state.limiter.limit) } : {}),
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(Math.ceil(seconds)),
      });
      return true;
    }
    case 'reset':
      reply.destroy();
      return true;
    case 'hang':
      // Deliberately nothing: the socket stays open until the client gives up or the simulator closes.
      return true;
    case 'status-error':
      reply.json(200, { status: 'error', message: rule.message ?? 'simulated error' });
      return true;
    default:
      return false;
  }
}

function sendReshaped(state: SimulatorState, reply: Reply, rule: FaultRule, result: ApiResult): void {
  const { status, body } = result;
  switch (rule.kind) {
    case 'slow-body':
      sendSlowly(
        reply,
        status,
        Buffer.from(JSON.stringify(body), 'utf8'),
        rule.chunkBytes ?? 256,
        rule.chunkDelayMs ?? 50,
        state.signal,
      );
      return;
    case 'malformed-json':
      reply.raw(status, truncateJson(JSON.stringify(body)));
      return;
    case 'wrong-shape':
      reply.json(status, wrongShape(body));
      return;
    case 'oversized':
      reply.raw(status, padJson(JSON.stringify(body), rule.bytes ?? DEFAULT_OVERSIZED_BYTES));
      return;
    case 'total-mismatch':
      reply.json(status, shiftTotal(body, rule.delta ?? 1));
      return;
    default:
      reply.json(status, body);
  }
}

/** Latency, rate limit, routing and authentication: what comes before any fault or handler. */
async function admit(state: SimulatorState, request: IncomingMessage, reply: Reply, url: URL) {
  const method = request.method ?? 'GET';
  if (state.latencyMs > 0) await delay(state.latencyMs, undefined, { signal: state.signal });

  if (state.limiter !== undefined) {
    const decision = state.limiter.take();
    // With headers off, a refusal carries only Retry-After: the strictest reading of a tenant
    // that documents nothing about its limiter.
    if (state.rateLimitHeaders) reply.commonHeaders = rateLimitHeaders(decision);
    if (!decision.allowed) {
      throw new HttpError(429, `rate limit of ${decision.limit} requests per second exceeded`, {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
  }

  if (!url.pathname.startsWith(BASE_PATH)) {
    throw new HttpError(404, `no route ${url.pathname}: the DSPM API lives under ${BASE_PATH}`);
  }
  const grant = state.tokens.authenticate(request.headers);
  const path = url.pathname.slice(BASE_PATH.length);
  const lookup = findRoute(API_ROUTES, path, method);
  if (lookup.kind === 'not-found') throw new HttpError(404, `no route ${url.pathname}`);
  if (lookup.kind === 'method-not-allowed') {
    const allow = lookup.allow.join(', ');
    throw new HttpError(405, `${method} is not allowed on ${lookup.pattern}; use ${allow}`, { allow });
  }
  return { method, grant, lookup };
}

/**
 * Handles a request under the API base path (or any path outside `/_sim/`). Never throws: every
 * failure becomes a JSON error response.
 */
export async function handleApiRequest(
  state: SimulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const requestId = randomUUID();
  const query = decodeQuery(url.searchParams);
  const entry = state.log.start({
    requestId,
    method: request.method ?? 'GET',
    route: url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) : url.pathname,
    query: redactQuery(query, (value) => state.tokens.isToken(value)),
    authHeader: authHeaderUsed(request.headers),
  });
  const reply = new Reply(response, requestId, entry);
  let reshaping: FaultRule | undefined;
  try {
    if (state.onRequest !== undefined) {
      try {
        await state.onRequest(structuredClone(entry));
      } catch (error) {
        throw new HttpError(500, `onRequest hook failed: ${(error as Error).message}`);
      }
    }
    const { method, grant, lookup } = await admit(state, request, reply, url);
    entry.route = lookup.pattern;
    authorize(grant, method, lookup.pattern);

    const rule = state.faults.take({ method, route: lookup.pattern, offset: offsetOf(query) });
    if (rule !== undefined) {
      entry.fault = rule.kind;
      if (replaceWithFault(state, reply, rule)) return;
      if (reshapesResponse(rule)) reshaping = rule;
    }
    const result = await lookup.handler({
      tenant: state.tenant,
      query,
      params: lookup.params,
      maxPageSize: state.maxPageSize,
      readBody: () => readJsonObject(request),
    });
    if (reshaping !== undefined) sendReshaped(state, reply, reshaping, result);
    else reply.json(result.status, result.body);
  } catch (error) {
    // A fault that reshapes the answer did not happen if there was no answer to reshape.
    if (reshaping !== undefined) delete entry.fault;
    if (error instanceof HttpError) {
      reply.error(error.status, error.message, error.headers);
    } else if (state.signal.aborted) {
      reply.destroy();
    } else {
      process.stderr.write(`simulator: internal error on ${entry.method} ${entry.route}: ${String(error)}\n`);
      reply.error(500, `internal simulator error: ${(error as Error).message}`);
    }
  }
}
