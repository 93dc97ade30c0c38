/**
 * The DSPM tenant simulator: an HTTP server on loopback that plays a Netskope One DSPM tenant's
 * REST API v2 (`/api/v2/dspm/...`) from an in-memory tenant, with auth, paging, filters, a global
 * rate limit, latency, injectable faults, a request log and a control API (`/_sim/...`).
 *
 * It is an independent reading of the API guide: it must not share code with the client.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { isIP } from 'node:net';
import { handleApiRequest } from './api-handler.ts';
import { type SimulatorToken, TokenRegistry } from './auth.ts';
import { CONTROL_PREFIX, handleControlRequest } from './control.ts';
import { FaultQueue, type FaultRule, type PendingFault } from './faults.ts';
import { DEFAULT_MAX_PAGE_SIZE } from './paging.ts';
import { createRateLimiter, type RateLimiterKind } from './rate-limit.ts';
import { RequestLog, type RequestLogEntry } from './request-log.ts';
import { DEFAULT_SEED } from './scale.ts';
import type { SimulatorState } from './state.ts';
import { Tenant } from './tenant.ts';

export type { AuthHeaderUsed, SimulatorToken, TokenAccess } from './auth.ts';
export type { FaultKind, FaultMatch, FaultRule, PendingFault } from './faults.ts';
export type { RequestLogEntry } from './request-log.ts';
export type { StorePatch, TenantCounts } from './tenant.ts';
export { Tenant, TenantError } from './tenant.ts';

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Loopback address to listen on (default `127.0.0.1`); anything else is refused. */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Accepted tokens (default one read-write token, `simulator-token`). */
  tokens?: SimulatorToken[];
  /** Build this many stores with the scale generator; omitted = the guide's example tenant. */
  stores?: number;
  /** Seed of the scale generator and of fault probabilities. */
  seed?: number;
  /** Delay in milliseconds before each API response. */
  latencyMs?: number;
  /** Global rate limit in requests per second; omitted = unlimited, no RateLimit-* headers. */
  rateLimitRps?: number;
  /** How the limit counts (default `sliding-window`, the strictest; see rate-limit.ts). */
  rateLimitKind?: RateLimiterKind;
  /** Bucket size of a `token-bucket` limiter (default the rate). */
  rateLimitBurst?: number;
  /** RateLimit-* headers on every limited response; off (the default, the strictest) sends only Retry-After on a 429. */
  rateLimitHeaders?: boolean;
  /** Largest `limit` accepted (default 1000). */
  maxPageSize?: number;
  /** Called (and awaited) before each API request is handled, with a copy of its log entry. */
  onRequest?: (entry: RequestLogEntry) => void | Promise<void>;
  /** Serve HTTPS with this PEM key and certificate (a tenant behind a TLS-inspecting proxy); default plain http. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** A started simulator. */
export interface RunningSimulator {
  /** Origin, e.g. `http://127.0.0.1:54321` (`https:` with `tls`; no trailing slash, no base path). */
  url: string;
  port: number;
  /** The tenant, to inspect and mutate directly. */
  tenant: Tenant;
  faults: {
    /** Queues a rule; throws an error naming the bad field if it is invalid. */
    add(rule: FaultRule): void;
    clear(): void;
    /** How many rules are not used up yet. */
    pending(): number;
    /** The pending rules and what is left of each. */
    list(): PendingFault[];
  };
  /** Copies of the request log entries so far. */
  readonly requests: RequestLogEntry[];
  clearRequests(): void;
  /** Replaces the accepted tokens (rotation). */
  setTokens(tokens: SimulatorToken[]): void;
  setLatency(ms: number): void;
  /** Stops listening and ends every open connection, hanging and slow responses included. */
  close(): Promise<void>;
}

/** The token accepted when none are configured. */
export const DEFAULT_TOKEN = 'simulator-token';

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function checkLatency(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError(`latencyMs must be a non-negative number, got ${ms}`);
  return ms;
}

/**
 * Starts a simulator and resolves once it listens. Throws for a non-loopback host or an invalid
 * option (the message names it).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`the simulator listens on loopback only; refusing host "${host}"`);
  const maxPageSize = options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
  if (!Number.isSafeInteger(maxPageSize) || maxPageSize < 1) {
    throw new RangeError(`maxPageSize must be a positive integer, got ${maxPageSize}`);
  }
  const lifetime = new AbortController();
  const state: SimulatorState = {
    tenant: new Tenant({ stores: options.stores, seed: options.seed }),
    tokens: new TokenRegistry(options.tokens ?? [{ token: DEFAULT_TOKEN, access: 'read-write' }]),
    faults: new FaultQueue(options.seed ?? DEFAULT_SEED),
    log: new RequestLog(),
    limiter:
      options.rateLimitRps === undefined
        ? undefined
        : createRateLimiter({
            rps: options.rateLimitRps,
            kind: options.rateLimitKind,
            burst: options.rateLimitBurst,
          }),
    rateLimitHeaders: options.rateLimitHeaders ?? false,
    latencyMs: checkLatency(options.latencyMs ?? 0),
    maxPageSize,
    onRequest: options.onRequest,
    signal: lifetime.signal,
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://simulator.invalid');
    const handled = url.pathname.startsWith(CONTROL_PREFIX)
      ? handleControlRequest(state, request, response, url)
      : handleApiRequest(state, request, response, url);
    handled.catch((error: unknown) => {
      process.stderr.write(`simulator: unhandled error: ${String(error)}\n`);
      response.destroy();
    });
  };
  const server = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, handle)
    : createServer(handle);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the simulator has no TCP address');
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${address.port}`,
    port: address.port,
    tenant: state.tenant,
    faults: {
      add: (rule) => {
        state.faults.add(rule);
      },
      clear: () => state.faults.clear(),
      pending: () => state.faults.pending(),
      list: () => state.faults.list(),
    },
    get requests() {
      return state.log.entries();
    },
    clearRequests: () => state.log.clear(),
    setTokens: (tokens) => state.tokens.set(tokens),
    setLatency: (ms) => {
      state.latencyMs = checkLatency(ms);
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        lifetime.abort();
        server.close(() => resolve());
        // Idle keep-alive sockets, hanging and slow responses would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
