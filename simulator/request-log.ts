/**
 * The request log: one entry per API request, for tests to assert on what a client actually sent.
 * It records which auth headers were present, never their values, and redacts any query value
 * that is, or is named like, a credential.
 */
import type { AuthHeaderUsed } from './auth.ts';
import type { FaultKind } from './faults.ts';
import type { Query } from './query.ts';

/** One API request as the simulator saw and answered it. */
export interface RequestLogEntry {
  /** 1, 2, 3... in arrival order; not reset by {@link RequestLog.clear}. */
  seq: number;
  /** The `x-request-id` the response carried. */
  requestId: string;
  method: string;
  /** The matched route pattern (`data_tags/{id}`), else the path as requested. */
  route: string;
  query: Query;
  /** Status sent; 0 while unanswered or when no response was sent (`reset`, `hang`). */
  status: number;
  fault?: FaultKind;
  authHeader: AuthHeaderUsed;
  /** ISO-8601 time the request arrived. */
  startedAt: string;
  /** Milliseconds from arrival until the response ended (or the socket closed). */
  durationMs: number;
}

const CREDENTIAL_NAME = /token|apikey|api_key|secret|password|authorization/i;

/** Query with credential-like values replaced by `[redacted]`. */
export function redactQuery(query: Query, isToken: (value: string) => boolean): Query {
  const redact = (name: string, value: string): string =>
    CREDENTIAL_NAME.test(name) || isToken(value) ? '[redacted]' : value;
  const copy: Query = {};
  for (const [name, value] of Object.entries(query)) {
    copy[name] = Array.isArray(value) ? value.map((item) => redact(name, item)) : redact(name, value);
  }
  return copy;
}

/** How many entries the log keeps by default before dropping the oldest. */
export const DEFAULT_MAX_LOG_ENTRIES = 10_000;

/**
 * The log itself, in arrival order. It keeps the latest `maxEntries` only, so a simulator left
 * running for a demo or a long benchmark does not grow without bound.
 */
export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #seq = 0;
  readonly #maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_LOG_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** Starts an entry for a request that just arrived and returns it for the server to complete. */
  start(fields: Omit<RequestLogEntry, 'seq' | 'status' | 'durationMs' | 'startedAt'>): RequestLogEntry {
    this.#seq += 1;
    const entry: RequestLogEntry = {
      seq: this.#seq,
      ...fields,
      status: 0,
      startedAt: new Date().toISOString(),
      durationMs: 0,
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.#maxEntries)
      this.#entries.splice(0, this.#entries.length - this.#maxEntries);
    return entry;
  }

  /** Copies of every entry so far. */
  entries(): RequestLogEntry[] {
    return this.#entries.map((entry) => structuredClone(entry));
  }

  clear(): void {
    this.#entries = [];
  }

  get size(): number {
    return this.#entries.length;
  }
}
