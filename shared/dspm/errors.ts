/**
 * Errors raised by the DSPM client, one class per meaning (the stripe-node shape), in the bridge's
 * one family (`BridgeError`, shared/errors.ts). Narrow with `instanceof`. Every error carries the
 * method, the path and, when the server sent one, its `x-request-id`; none carries the token, in
 * its message or its `cause`.
 *
 * `retryable` says whether the same work may succeed later unchanged (a later step or run, the
 * workflow's retry); whether the client repeats the call at once is `decideRetry`'s stricter
 * decision (shared/dspm/retry.ts), which also weighs the method and the status.
 */
import { BridgeError } from '../errors.ts';

/** What the client knew about the call that failed. */
export interface DspmErrorContext {
  /** HTTP method of the call. */
  readonly method: string;
  /** Path below the API base, with the query string (never holds credentials). */
  readonly path: string;
  /** HTTP status, when a response arrived. */
  readonly status?: number | undefined;
  /** The server's `x-request-id`, when a response arrived. */
  readonly requestId?: string | undefined;
  /** The underlying error (already free of credentials). */
  readonly cause?: unknown;
}

/** Base class of every DSPM client error; on its own, not retryable. */
export class DspmError extends BridgeError {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, context: DspmErrorContext) {
    const suffix = context.requestId ? ` (x-request-id ${context.requestId})` : '';
    super(`${context.method} ${context.path}: ${message}${suffix}`, { cause: context.cause });
    this.method = context.method;
    this.path = context.path;
    this.status = context.status;
    this.requestId = context.requestId;
  }

  get retryable(): boolean {
    return false;
  }
}

/** 401: the token is missing, wrong, expired or revoked (after one refresh of the secret). */
export class DspmAuthError extends DspmError {}

/** 403: the token lacks the privilege for this route, or the tenant's IP allowlist refused us. */
export class DspmPermissionError extends DspmError {}

/** 404: the route or the object does not exist. */
export class DspmNotFoundError extends DspmError {}

/** 409: the object already exists (a create raced another one). */
export class DspmConflictError extends DspmError {}

/** 400, 422 and other 4xx: the request was wrong; retrying it cannot help. */
export class DspmBadRequestError extends DspmError {}

/**
 * The call could not be made within the time budget (a deadline set on the client): its turn under
 * the rate limit, or a retry, would have come too late. Never retried; the poll ends incomplete.
 */
export class DspmTimeBudgetError extends DspmError {
  /** The next step or run starts with a budget of its own. */
  override get retryable(): boolean {
    return true;
  }
}

/** 429: the tenant's rate limit was hit; `retryAfterMs` is what the server asked us to wait. */
export class DspmRateLimitError extends DspmError {
  readonly retryAfterMs: number | undefined;

  constructor(message: string, context: DspmErrorContext & { retryAfterMs?: number | undefined }) {
    super(message, context);
    this.retryAfterMs = context.retryAfterMs;
  }

  override get retryable(): boolean {
    return true;
  }
}

/** 5xx, or HTTP 200 whose body says `{"status": "error"}`. */
export class DspmServerError extends DspmError {
  override get retryable(): boolean {
    return true;
  }
}

/** No usable response: refused, reset, DNS, TLS, or a timeout. */
export class DspmConnectionError extends DspmError {
  /** The system error code (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`, ...), when known. */
  readonly code: string | undefined;
  /** True when the request timed out rather than failed. */
  readonly timedOut: boolean;
  /** True when TLS failed on a certificate this machine does not trust (a TLS-inspecting proxy). */
  readonly untrustedCertificate: boolean;
  /** The proxy's HTTP status when it refused to open the tunnel to the tenant (`CONNECT`). */
  readonly proxyStatus: number | undefined;

  constructor(
    message: string,
    context: DspmErrorContext & {
      code?: string | undefined;
      timedOut?: boolean;
      untrustedCertificate?: boolean;
      proxyStatus?: number | undefined;
    },
  ) {
    super(message, context);
    this.code = context.code;
    this.timedOut = context.timedOut ?? false;
    this.untrustedCertificate = context.untrustedCertificate ?? false;
    this.proxyStatus = context.proxyStatus;
  }

  /**
   * False when trying again cannot help: the certificate is not trusted, or the proxy refused the
   * tunnel with a 4xx (forbidden, or its credentials are wrong).
   */
  get transient(): boolean {
    if (this.untrustedCertificate) return false;
    return this.proxyStatus === undefined || this.proxyStatus >= 500;
  }

  override get retryable(): boolean {
    return this.transient;
  }
}

/** The response arrived but cannot be used: not JSON, wrong shape, too large, or a redirect. */
export class DspmInvalidResponseError extends DspmError {
  /** True when the body was cut short or not JSON (possibly transient), false for a wrong shape. */
  readonly malformed: boolean;

  constructor(message: string, context: DspmErrorContext & { malformed?: boolean }) {
    super(message, context);
    this.malformed = context.malformed ?? false;
  }

  /** A body cut short may arrive whole next time; a wrong shape will not change by itself. */
  override get retryable(): boolean {
    return this.malformed;
  }
}

/** Picks the message out of a Netskope error body (`{"message": ...}`), if there is one. */
export function messageFromBody(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const { message } = body as { message: unknown };
    if (typeof message === 'string' && message.trim() !== '') return message.trim().slice(0, 500);
  }
  return undefined;
}

/**
 * Maps a non-2xx response to the error class of its meaning. The server's own message is kept
 * (cut to 500 characters); a hint is added where the fix is not obvious.
 */
export function errorFromResponse(
  status: number,
  body: unknown,
  context: Omit<DspmErrorContext, 'status'> & { retryAfterMs?: number | undefined },
): DspmError {
  const serverMessage = messageFromBody(body) ?? `HTTP ${status}`;
  const withStatus = { ...context, status };
  switch (true) {
    case status === 401:
      return new DspmAuthError(`unauthorized (${serverMessage}); check the API token`, withStatus);
    case status === 403:
      return new DspmPermissionError(
        `forbidden (${serverMessage}); the token may lack the privilege for this route, or the tenant's IP allowlist may not include this egress IP`,
        withStatus,
      );
    case status === 404:
      return new DspmNotFoundError(`not found (${serverMessage})`, withStatus);
    case status === 409:
      return new DspmConflictError(`conflict (${serverMessage})`, withStatus);
    case status === 429:
      return new DspmRateLimitError(`rate limited (${serverMessage})`, withStatus);
    case status >= 500:
      return new DspmServerError(`server error ${status} (${serverMessage})`, withStatus);
    default:
      return new DspmBadRequestError(`request refused with ${status} (${serverMessage})`, withStatus);
  }
}
