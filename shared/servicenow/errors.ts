/**
 * Errors of the ServiceNow Table API, in the bridge's family (shared/errors.ts): whether trying
 * again can help is decided from the status, once, here. The message carries ServiceNow's own
 * `error.message` and `error.detail` (its documented failure body) and never the credentials.
 */
import { BridgeError } from '../errors.ts';

/** Statuses after which the same request may succeed later without anyone changing anything. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** A Table API call failed; `status` is 0 when no response came (connection, timeout). */
export class ServiceNowError extends BridgeError {
  readonly retryable: boolean;
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** From `Retry-After` on a 429 or 503, when ServiceNow sent one. */
  readonly retryAfterMs: number | undefined;
  /** ServiceNow's `error.message` and `error.detail`, as sent. */
  readonly serviceNowMessage: string | undefined;
  readonly serviceNowDetail: string | undefined;
  /** `X-Transaction-ID` of the answer: what ServiceNow's transaction log (syslog_transaction) is searched by. */
  readonly transactionId: string | undefined;

  constructor(message: string, details: ServiceNowErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.retryAfterMs = details.retryAfterMs;
    this.serviceNowMessage = details.serviceNowMessage;
    this.serviceNowDetail = details.serviceNowDetail;
    this.transactionId = details.transactionId;
    this.retryable = details.status === 0 || RETRYABLE_STATUSES.has(details.status);
  }
}

/** What a `ServiceNowError` knows about the failed call. */
export interface ServiceNowErrorDetails {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly retryAfterMs?: number | undefined;
  readonly serviceNowMessage?: string | undefined;
  readonly serviceNowDetail?: string | undefined;
  readonly transactionId?: string | undefined;
}

/**
 * The attributes of the one log line a failed record leaves: the status, ServiceNow's message and
 * detail and the transaction id (never the request's headers, so never the credentials).
 * Anything that is not a `ServiceNowError` is named by its class and message.
 */
export function failureAttributes(error: unknown): Record<string, unknown> {
  if (error instanceof ServiceNowError) {
    return {
      status: error.status,
      method: error.method,
      path: error.path,
      serviceNowMessage: error.serviceNowMessage ?? null,
      serviceNowDetail: error.serviceNowDetail ?? null,
      transactionId: error.transactionId ?? null,
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined
        ? {}
        : { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) }),
      reason: error.message,
    };
  }
  if (error instanceof Error) return { errorName: error.name, reason: error.message };
  return { reason: String(error) };
}

/** ServiceNow's `error.message` and `error.detail`, each when it is a non-empty string. */
export function failureBodyParts(body: unknown): { message?: string; detail?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return {};
  const { message, detail } = error as { message?: unknown; detail?: unknown };
  const text = (value: unknown) =>
    typeof value === 'string' && value !== '' ? value.slice(0, 500) : undefined;
  const parts: { message?: string; detail?: string } = {};
  const m = text(message);
  const d = text(detail);
  if (m !== undefined) parts.message = m;
  if (d !== undefined) parts.detail = d;
  return parts;
}

/** The `{"error": {"message", "detail"}, "status": "failure"}` body ServiceNow answers errors with, as one line. */
export function describeFailureBody(body: unknown): string | undefined {
  const { message, detail } = failureBodyParts(body);
  const parts = [message, detail].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? parts.join(': ').slice(0, 500) : undefined;
}
