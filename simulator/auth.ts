/**
 * API tokens: which requests they authenticate and what they may do. The registry keeps only
 * SHA-256 digests of the configured tokens, so no token value sits in the simulator's state where
 * a log, a dump or the control API could reveal it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './errors.ts';

/** `read` allows GET; `read-write` also POST, PUT, PATCH and DELETE (as in Netskope's REST API v2). */
export type TokenAccess = 'read' | 'read-write';

/** A token the simulator accepts. */
export interface SimulatorToken {
  token: string;
  access: TokenAccess;
  /**
   * Route paths this token may use, e.g. `'data_stores/connected'` (a leading `/api/v2/dspm/` is
   * ignored). `'data_tags'` also grants `data_tags/{id}`. Omitted = every route.
   */
  routes?: string[];
}

/** Which token headers a request carried (never their values). */
export type AuthHeaderUsed = 'apikey' | 'netskope-api-token' | 'both' | 'none';

/** What an authenticated request may do. */
export interface Grant {
  access: TokenAccess;
  routes: ReadonlySet<string> | undefined;
}

interface Entry extends Grant {
  digest: Buffer;
}

/** The route path without the base path or surrounding slashes. */
export function normalizeRoute(route: string): string {
  return route.replace(/^\/?(api\/v2\/dspm\/)?/, '').replace(/\/+$/, '');
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === undefined || text === '' ? undefined : text;
}

/** Which token headers are present, for the request log. */
export function authHeaderUsed(headers: IncomingHttpHeaders): AuthHeaderUsed {
  const apikey = headerValue(headers.apikey) !== undefined;
  const netskope = headerValue(headers['netskope-api-token']) !== undefined;
  if (apikey && netskope) return 'both';
  if (apikey) return 'apikey';
  return netskope ? 'netskope-api-token' : 'none';
}

/** The configured tokens, replaceable at run time (rotation). */
export class TokenRegistry {
  #entries: Entry[] = [];

  constructor(tokens: readonly SimulatorToken[]) {
    this.set(tokens);
  }

  /** Replaces every token. Throws a TypeError (never quoting a token) for a malformed entry. */
  set(tokens: readonly SimulatorToken[]): void {
    this.#entries = tokens.map((entry, index) => {
      if (typeof entry?.token !== 'string' || entry.token === '') {
        throw new TypeError(`tokens[${index}].token must be a non-empty string`);
      }
      if (entry.access !== 'read' && entry.access !== 'read-write') {
        throw new TypeError(`tokens[${index}].access must be "read" or "read-write"`);
      }
      return {
        digest: digest(entry.token),
        access: entry.access,
        routes: entry.routes && new Set(entry.routes.map(normalizeRoute)),
      };
    });
  }

  /** Whether `value` is one of the configured tokens (used to redact it from the request log). */
  isToken(value: string): boolean {
    return this.#find(value) !== undefined;
  }

  /**
   * Checks the `apikey` and `Netskope-Api-Token` headers (either; both must agree when both are
   * sent) and returns the token's grant. Throws a 401 {@link HttpError} otherwise.
   */
  authenticate(headers: IncomingHttpHeaders): Grant {
    const apikey = headerValue(headers.apikey);
    const netskope = headerValue(headers['netskope-api-token']);
    const token = apikey ?? netskope;
    if (token === undefined) {
      throw new HttpError(401, 'missing API token: send it in the apikey or Netskope-Api-Token header');
    }
    if (apikey !== undefined && netskope !== undefined && apikey !== netskope) {
      throw new HttpError(401, 'the apikey and Netskope-Api-Token headers carry different tokens');
    }
    const entry = this.#find(token);
    if (entry === undefined) throw new HttpError(401, 'invalid or expired API token');
    return { access: entry.access, routes: entry.routes };
  }

  #find(token: string): Entry | undefined {
    const candidate = digest(token);
    // Compare against every entry so the time taken does not say which one matched.
    let found: Entry | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, candidate)) found ??= entry;
    }
    return found;
  }
}

/**
 * Checks that a grant covers `method` on `route` (a route pattern such as `data_tags/{id}`).
 * Throws a 403 {@link HttpError} saying which privilege is missing.
 */
export function authorize(grant: Grant, method: string, route: string): void {
  if (method !== 'GET' && method !== 'HEAD' && grant.access === 'read') {
    throw new HttpError(403, `this token has read access only; ${method} ${route} needs read-write`);
  }
  const { routes } = grant;
  if (routes !== undefined && !routes.has(route) && !routes.has(route.replace(/\/\{id\}$/, ''))) {
    throw new HttpError(403, `this token is not allowed to use route "${route}"`);
  }
}
