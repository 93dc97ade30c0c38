/**
 * One HTTP call to the DSPM API, done right: paced by the rate limiter, the token in both auth
 * headers, a timeout and a size cap per attempt, redirects refused, the body parsed as JSON, every
 * failure mapped to its error class with the `x-request-id`, retries per `decideRetry`, and one
 * retry with a freshly fetched token after a 401.
 */
import type { Dispatcher } from 'undici';
import { type Clock, systemClock } from '../clock.ts';
import { type Logger, silentLogger } from '../logger.ts';
import type { Secret } from '../secret.ts';
import {
  DspmAuthError,
  DspmConnectionError,
  DspmError,
  DspmInvalidResponseError,
  DspmRateLimitError,
  DspmServerError,
  DspmTimeBudgetError,
  errorFromResponse,
  messageFromBody,
} from './errors.ts';
import { request } from './http-client.ts';
import { describeProxyRoute, type ProxyRoute, tunnelTarget } from './proxy-route.ts';
import { PacingDeadlineError, type RateLimiter } from './rate-limiter.ts';
import { DEFAULT_RETRY_POLICY, decideRetry, type RetryPolicy, serverRequestedWaitMs } from './retry.ts';
import type { Tenant } from './tenant-url.ts';
import type { TokenProvider } from './token-provider.ts';

/** HTTP methods the DSPM API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One call, relative to the API base. */
export interface DspmRequest {
  readonly method: HttpMethod;
  /** Route below `/api/v2/dspm/`, e.g. `data_stores/connected`. */
  readonly route: string;
  /** Query values, percent-encoded here (each whole value, `&&` included). */
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON body. */
  readonly body?: unknown;
}

/** A successful response. */
export interface DspmResponse {
  readonly status: number;
  readonly body: unknown;
  readonly requestId: string | undefined;
  /** Method, route and query, for error messages about this response. */
  readonly path: string;
  /** Response headers, lower-case names (rate-limit headers, `date`). */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** Counters a poll reports in its summary. */
export interface TransportStats {
  /** Attempts sent, retries included. */
  requests: number;
  /** Attempts retried after a failure. */
  retries: number;
  /** 429 answers received. */
  throttled: number;
  /** Tokens fetched again after a 401. */
  tokenRefreshes: number;
  /** Calls that failed for good. */
  failures: number;
}

/** What the transport needs. */
export interface TransportOptions {
  readonly tenant: Tenant;
  readonly tokens: TokenProvider;
  readonly rateLimiter: RateLimiter;
  readonly dispatcher?: Dispatcher | undefined;
  /** The way the dispatcher reaches the tenant, named in connection errors. */
  readonly proxyRoute?: ProxyRoute | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Per attempt, headers and body together (default 30 s). */
  readonly timeoutMs?: number | undefined;
  /** Largest body accepted (default 32 MiB): a runaway response must not exhaust a Lambda's memory. */
  readonly maxResponseBytes?: number | undefined;
  readonly clock?: Clock | undefined;
  /** Jitter source, injectable for tests. */
  readonly random?: (() => number) | undefined;
  readonly logger?: Logger | undefined;
  readonly userAgent?: string | undefined;
}

/** Sends DSPM API calls. */
export class DspmTransport {
  readonly stats: TransportStats = { requests: 0, retries: 0, throttled: 0, tokenRefreshes: 0, failures: 0 };
  readonly #options: TransportOptions;
  readonly #policy: RetryPolicy;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  /** Smoothed latency of successful attempts, for how many pages to keep in flight. */
  #latencyMs: number | undefined;
  #deadlineMs: number | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
  }

  /**
   * Calls that would have to wait past `epochMs` (for their turn or a retry) fail with
   * `DspmTimeBudgetError` instead; undefined removes the deadline. An invocation sets it to its
   * own end less a margin, so a 429 storm ends in an incomplete poll, never in a timeout.
   */
  setDeadline(epochMs: number | undefined): void {
    this.#deadlineMs = epochMs;
    this.#options.rateLimiter.setDeadline(epochMs);
  }

  /**
   * How many requests to keep in flight so the pacing, not the latency, bounds throughput
   * (Little's law: rate x latency, plus one spare), between 1 and `max`.
   */
  suggestedConcurrency(max: number): number {
    const latencySeconds = (this.#latencyMs ?? 1000) / 1000;
    const wanted = Math.ceil(this.#options.rateLimiter.state.rps * latencySeconds * 1.25) + 1;
    return Math.max(1, Math.min(max, wanted));
  }

  /**
   * Sends the call, retrying what may be retried.
   * @throws DspmError (a subclass per meaning) when the call fails for good.
   */
  async send(call: DspmRequest): Promise<DspmResponse> {
    const path = describePath(call);
    let token = await this.#options.tokens.getToken();
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await this.#turn(call.method, path);
      try {
        return await this.#attempt(call, path, token);
      } catch (caught) {
        const error = caught instanceof DspmError ? caught : unexpected(caught, call.method, path);
        if (error instanceof DspmAuthError && this.#options.tokens.refreshable && !refreshed) {
          // Tokens get rotated: fetch the secret again once, then let a second 401 fail.
          refreshed = true;
          this.stats.tokenRefreshes++;
          this.#logger.warn('DSPM answered 401; fetching the token again', logContext(error));
          token = await this.#options.tokens.refresh();
          attempt--;
          continue;
        }
        const decision = decideRetry(error, call.method, attempt, this.#policy, this.#options.random);
        if (!decision.retry) {
          this.stats.failures++;
          throw error;
        }
        this.stats.retries++;
        this.#logger.warn('DSPM call failed; retrying', {
          ...logContext(error),
          attempt,
          delayMs: decision.delayMs,
        });
        if (error instanceof DspmRateLimitError) {
          // Everyone waits, not only this caller: the budget is the tenant's, not the request's.
          this.#options.rateLimiter.throttled();
          this.#options.rateLimiter.pauseUntil(this.#clock.now() + decision.delayMs);
        } else {
          this.#checkBudget(decision.delayMs, call.method, path, error);
          await this.#clock.sleep(decision.delayMs);
        }
      }
    }
  }

  /** Waits for this call's turn; past the deadline, fails for good. */
  async #turn(method: string, path: string): Promise<void> {
    try {
      await this.#options.rateLimiter.acquire();
    } catch (error) {
      if (!(error instanceof PacingDeadlineError)) throw error;
      this.stats.failures++;
      throw new DspmTimeBudgetError(error.message, { method, path });
    }
  }

  /** A retry that would sleep past the deadline fails now, naming the error it would have retried. */
  #checkBudget(delayMs: number, method: string, path: string, error: DspmError): void {
    if (this.#deadlineMs === undefined) return;
    const remaining = this.#deadlineMs - this.#clock.now();
    if (delayMs <= remaining) return;
    this.stats.failures++;
    throw new DspmTimeBudgetError(
      `${error.message}; a retry in ${delayMs} ms would pass the time budget (${Math.max(0, remaining)} ms left)`,
      { method, path, status: error.status, requestId: error.requestId },
    );
  }

  async #attempt(call: DspmRequest, path: string, token: Secret): Promise<DspmResponse> {
    this.stats.requests++;
    const sentAt = this.#clock.now();
    const { tenant } = this.#options;
    const url = `${tenant.apiBase}${call.route}${encodeQuery(call.query)}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.#options.userAgent ?? 'dspm-bridge',
      // The guide says `apikey`, the REST API v2 overview says `Netskope-Api-Token`: send both.
      apikey: token.reveal(),
      'netskope-api-token': token.reveal(),
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const context = { method: call.method, path };
    let requestId: string | undefined;
    try {
      const response = await request(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? null : JSON.stringify(call.body),
        signal,
        ...(this.#options.dispatcher ? { dispatcher: this.#options.dispatcher } : {}),
      });
      const responseHeaders = flattenHeaders(response.headers);
      requestId = responseHeaders['x-request-id'];
      this.#respectRateLimitHeaders(responseHeaders);
      if (response.statusCode >= 300 && response.statusCode < 400) {
        await response.body.dump();
        throw new DspmInvalidResponseError(
          `redirect (${response.statusCode}) to ${redirectTarget(responseHeaders.location)} refused; the token is only ever sent to the configured tenant`,
          { ...context, status: response.statusCode, requestId },
        );
      }
      const text = await readCapped(response.body, this.#maxBytes, {
        ...context,
        status: response.statusCode,
        requestId,
      });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      const body = parseJson(text, ok, { ...context, status: response.statusCode, requestId });
      if (!ok) {
        if (response.statusCode === 429) this.stats.throttled++;
        throw errorFromResponse(response.statusCode, body, {
          ...context,
          requestId,
          retryAfterMs: serverRequestedWaitMs(responseHeaders, this.#clock.now()),
        });
      }
      if (isErrorEnvelope(body)) {
        throw new DspmServerError(`HTTP 200 carrying an error: ${messageFromBody(body) ?? 'no message'}`, {
          ...context,
          status: response.statusCode,
          requestId,
        });
      }
      this.#observeLatency(this.#clock.now() - sentAt);
      return { status: response.statusCode, body, requestId, path, headers: responseHeaders };
    } catch (error) {
      if (error instanceof DspmError) throw error;
      throw connectionError(error, signal, { ...context, requestId }, this.#timeoutMs, {
        route: this.#options.proxyRoute,
        target: tunnelTarget(tenant.origin),
      });
    }
  }

  #observeLatency(ms: number): void {
    this.#latencyMs = this.#latencyMs === undefined ? ms : this.#latencyMs * 0.8 + ms * 0.2;
  }

  /**
   * `RateLimit-Limit` caps the pacing; `RateLimit-Remaining: 0` means the next call would be
   * refused: wait for the reset instead.
   */
  #respectRateLimitHeaders(headers: Readonly<Record<string, string | undefined>>): void {
    const limit = headers['ratelimit-limit']?.trim();
    // The IETF draft allows `10, 10;w=1`: the first number is the quota.
    if (limit) this.#options.rateLimiter.announcedLimit(Number.parseFloat(limit));
    if (headers['ratelimit-remaining']?.trim() !== '0') return;
    const reset = Number(headers['ratelimit-reset']);
    // A missing or unreadable reset gets one second, the smallest window a per-second limit has.
    const waitMs =
      headers['ratelimit-reset'] !== undefined && Number.isFinite(reset) && reset >= 0 ? reset * 1000 : 1000;
    this.#options.rateLimiter.pauseUntil(this.#clock.now() + Math.min(waitMs, this.#policy.maxRetryAfterMs));
  }
}

/** `?a=1&filter=...`, each value percent-encoded whole; empty when there is nothing. */
export function encodeQuery(query: DspmRequest['query']): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function describePath(call: DspmRequest): string {
  const query = call.query
    ? Object.entries(call.query)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${value}`)
        .join('&')
    : '';
  return query ? `${call.route}?${query}` : call.route;
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(headers))
    flat[key.toLowerCase()] = Array.isArray(value) ? value[0] : value;
  return flat;
}

function redirectTarget(location: string | undefined): string {
  if (!location) return 'an unnamed location';
  try {
    return new URL(location).host || location.slice(0, 200);
  } catch {
    return location.slice(0, 200);
  }
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
  maxBytes: number,
  context: ConstructorParameters<typeof DspmInvalidResponseError>[1],
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new DspmInvalidResponseError(`response larger than the ${maxBytes}-byte cap`, context);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function parseJson(
  text: string,
  ok: boolean,
  context: ConstructorParameters<typeof DspmInvalidResponseError>[1],
): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // An error page that is not JSON is still an error of its status; keep a short excerpt.
    if (!ok) return { message: text.trim().slice(0, 200) };
    throw new DspmInvalidResponseError(
      `response is not JSON (${text.length} bytes, starts "${text.slice(0, 40)}")`,
      {
        ...context,
        malformed: true,
      },
    );
  }
}

function isErrorEnvelope(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'error';
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Certificate errors that a TLS-inspecting proxy causes; the fix is to trust its CA. */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);
const TLS_TRUST_HINT =
  '; if a proxy inspects TLS on this network, set DSPM_CA_BUNDLE to a PEM file with its CA certificate';

/**
 * Maps a network failure to `DspmConnectionError`. The cause is rebuilt from the original's name,
 * code and message only: the original may hold references to the request, headers included.
 */
function connectionError(
  error: unknown,
  signal: AbortSignal,
  context: { method: string; path: string; requestId: string | undefined },
  timeoutMs: number,
  way: { route: ProxyRoute | undefined; target: string },
): DspmConnectionError {
  const original = error instanceof Error ? error : new Error(String(error));
  const code = (original as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : undefined;
  const timedOut = signal.aborted || (codeText !== undefined && TIMEOUT_CODES.has(codeText));
  const cause = Object.assign(new Error(original.message), { name: original.name, code: codeText });
  const untrustedCertificate = codeText !== undefined && TLS_TRUST_CODES.has(codeText);
  const proxy = way.route?.kind === 'proxy' ? way.route.proxy : undefined;
  const proxyStatus = proxy ? tunnelRefusalStatus(original) : undefined;
  if (proxy && proxyStatus !== undefined) {
    const hint = proxyStatus === 407 ? `; put the proxy's user and password in ${proxy.variable}` : '';
    return new DspmConnectionError(
      `the proxy ${proxy.shown} (from ${proxy.variable}) refused the tunnel to ${way.target}: HTTP ${proxyStatus}${hint}`,
      { ...context, cause, code: codeText, proxyStatus },
    );
  }
  const hint = untrustedCertificate ? TLS_TRUST_HINT : '';
  const through = way.route?.kind === 'proxy' ? ` through the proxy ${describeProxyRoute(way.route)}` : '';
  const what = timedOut
    ? `timed out after ${timeoutMs} ms${through}`
    : `connection failed (${codeText ?? original.name}: ${original.message})${through}${hint}`;
  return new DspmConnectionError(what, { ...context, cause, code: codeText, timedOut, untrustedCertificate });
}

/**
 * The status a proxy answered a `CONNECT` with, when it was not 200. undici reports it only in its
 * message (`Proxy response (403) !== 200 when HTTP Tunneling`), so it is read from there; the
 * proxy tests fail if undici ever words it otherwise.
 */
function tunnelRefusalStatus(error: Error): number | undefined {
  const match = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

function unexpected(error: unknown, method: string, path: string): DspmError {
  return new DspmConnectionError(`unexpected failure: ${(error as Error)?.message ?? String(error)}`, {
    method,
    path,
  });
}

function logContext(error: DspmError): Record<string, unknown> {
  return {
    error: error.name,
    status: error.status,
    requestId: error.requestId,
    method: error.method,
    path: error.path,
    reason: error.message,
  };
}
