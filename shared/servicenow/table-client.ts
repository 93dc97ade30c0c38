/**
 * The ServiceNow Table API, the three calls following a finding needs: find a record by
 * `correlation_id`, create one, update one. Basic auth from a credentials provider (read again
 * once after a 401, for a rotated password), a timeout per attempt, redirects refused, and a
 * bounded retry on 429 (honouring `Retry-After`) and, for the idempotent GET and PATCH only, on
 * 5xx and lost connections. A POST is never retried here: the caller looks the record up again
 * before creating, so a create whose answer was lost is found rather than made twice.
 */
import type { Dispatcher } from 'undici';
import { backoffDelay } from '../backoff.ts';
import type { Clock } from '../clock.ts';
import { request } from '../dspm/http-client.ts';
import { headerValue } from '../http/headers.ts';
import { readRetryAfter } from '../http/retry-after.ts';
import type { Secret } from '../secret.ts';
import { describeFailureBody, failureBodyParts, ServiceNowError } from './errors.ts';
import { MAX_VISIBILITY_SECONDS } from './hand-back.ts';

/** A ServiceNow user's name and password. */
export interface ServiceNowCredentials {
  readonly username: string;
  readonly password: Secret;
}

/** Where the credentials come from; `refresh` reads them again after a 401. */
export interface CredentialsProvider {
  get(): Promise<ServiceNowCredentials>;
  refresh(): Promise<ServiceNowCredentials>;
}

/** A record as the Table API returns it with `sysparm_fields`. */
export type TableRecord = Readonly<Record<string, string>>;

/** Settings of the client. */
export interface TableClientSettings {
  /** `https://<instance>.service-now.com`. */
  readonly instanceUrl: string;
  /** The table records live in, e.g. `incident`. */
  readonly table: string;
  readonly credentials: CredentialsProvider;
  readonly clock: Clock;
  readonly dispatcher?: Dispatcher | undefined;
  /** Attempts per call, the first included. */
  readonly maxAttempts?: number;
  /** Base of the exponential backoff; tests make it tiny. */
  readonly backoffBaseMs?: number;
  /**
   * Longest wait between attempts the caller can afford (the Lambda's time is bounded). A
   * `Retry-After` longer than this is not shortened: the call fails at once with the error's
   * `retryAfterMs`, and the caller hands the work back for that long (ServiceNow's rate limits are
   * per hour and `Retry-After` counts to the window's reset, so an early retry is refused again).
   */
  readonly maxWaitMs?: number;
  readonly timeoutMs?: number;
}

/** The fields the bridge reads back. */
export const RECORD_FIELDS = ['sys_id', 'number', 'state', 'correlation_id'] as const;

type ResolvedSettings = Required<Omit<TableClientSettings, 'dispatcher'>> & {
  readonly dispatcher?: Dispatcher | undefined;
};

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Longest `Retry-After` reported: the longest the caller can hand a message back for (SQS's
 * 12-hour visibility limit). A longer wait could not be honoured anyway.
 */
const LONGEST_REPORTED_WAIT_MS = MAX_VISIBILITY_SECONDS * 1000;

/** The Table API of one table. */
export class TableClient {
  readonly #settings: ResolvedSettings;

  constructor(settings: TableClientSettings) {
    this.#settings = {
      maxAttempts: 4,
      backoffBaseMs: 500,
      maxWaitMs: 20_000,
      timeoutMs: 10_000,
      ...settings,
      instanceUrl: settings.instanceUrl.replace(/\/+$/, ''),
    } as ResolvedSettings;
  }

  /** The records whose `correlation_id` is `correlationId`, oldest first (at most `limit`). */
  async findByCorrelationId(correlationId: string, limit = 2): Promise<TableRecord[]> {
    // `^` separates terms of an encoded query: a value holding one would change the query.
    if (correlationId.includes('^')) {
      throw new ServiceNowError(`correlation_id ${JSON.stringify(correlationId)} holds "^"`, {
        status: 400,
        method: 'GET',
        path: this.#path(),
      });
    }
    const query = new URLSearchParams({
      sysparm_query: `correlation_id=${correlationId}^ORDERBYsys_created_on`,
      sysparm_fields: RECORD_FIELDS.join(','),
      sysparm_limit: String(limit),
      sysparm_exclude_reference_link: 'true',
    });
    const body = await this.#call('GET', `${this.#path()}?${query}`, undefined, true);
    const result = (body as { result?: unknown }).result;
    if (!Array.isArray(result)) throw this.#invalid('GET', 'a result list');
    return result as TableRecord[];
  }

  /**
   * One page of the records an encoded query selects (`sysparm_query`, `sysparm_fields`,
   * `sysparm_limit`, `sysparm_offset`). The caller builds the query; values it puts in must not
   * hold `^`.
   */
  async list(
    query: string,
    fields: readonly string[],
    limit: number,
    offset: number,
  ): Promise<TableRecord[]> {
    const parameters = new URLSearchParams({
      sysparm_query: query,
      sysparm_fields: fields.join(','),
      sysparm_limit: String(limit),
      sysparm_offset: String(offset),
      sysparm_exclude_reference_link: 'true',
    });
    const body = await this.#call('GET', `${this.#path()}?${parameters}`, undefined, true);
    const result = (body as { result?: unknown }).result;
    if (!Array.isArray(result)) throw this.#invalid('GET', 'a result list');
    return result as TableRecord[];
  }

  /** Creates a record; resolves with it as stored. */
  async create(fields: Readonly<Record<string, string>>): Promise<TableRecord> {
    return this.#one('POST', `${this.#path()}?${this.#returnFields()}`, fields, false);
  }

  /** Updates the record `sysId` with `fields`. */
  async update(sysId: string, fields: Readonly<Record<string, string>>): Promise<TableRecord> {
    if (!/^[0-9a-f]{32}$/.test(sysId)) {
      throw new ServiceNowError(`sys_id ${JSON.stringify(sysId.slice(0, 64))} is not 32 hex digits`, {
        status: 400,
        method: 'PATCH',
        path: this.#path(),
      });
    }
    return this.#one('PATCH', `${this.#path()}/${sysId}?${this.#returnFields()}`, fields, true);
  }

  #path(): string {
    return `/api/now/table/${this.#settings.table}`;
  }

  #returnFields(): string {
    return new URLSearchParams({
      sysparm_fields: RECORD_FIELDS.join(','),
      sysparm_exclude_reference_link: 'true',
    }).toString();
  }

  async #one(
    method: 'POST' | 'PATCH',
    path: string,
    fields: Readonly<Record<string, string>>,
    idempotent: boolean,
  ): Promise<TableRecord> {
    const body = await this.#call(method, path, fields, idempotent);
    const result = (body as { result?: unknown }).result;
    if (typeof result !== 'object' || result === null || typeof (result as TableRecord).sys_id !== 'string') {
      throw this.#invalid(method, 'a result record with a sys_id');
    }
    return result as TableRecord;
  }

  #invalid(method: string, expected: string): ServiceNowError {
    return new ServiceNowError(`ServiceNow ${method} ${this.#path()} answered without ${expected}`, {
      status: 502,
      method,
      path: this.#path(),
    });
  }

  /** One call with its retries; resolves with the parsed JSON body of a 2xx. */
  async #call(method: string, path: string, body: unknown, idempotent: boolean): Promise<unknown> {
    const { maxAttempts, clock } = this.#settings;
    let refreshed = false;
    let credentials = await this.#settings.credentials.get();
    for (let attempt = 1; ; attempt++) {
      let failure: ServiceNowError;
      try {
        return await this.#attempt(method, path, body, credentials);
      } catch (error) {
        if (!(error instanceof ServiceNowError)) throw error;
        failure = error;
      }
      if (failure.status === 401 && !refreshed) {
        refreshed = true;
        credentials = await this.#settings.credentials.refresh();
        continue;
      }
      // 429 means the request was not processed, so even a POST may go again.
      const again = failure.retryable && (idempotent || failure.status === 429);
      if (!again || attempt >= maxAttempts) throw failure;
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > this.#settings.maxWaitMs)
        throw failure;
      const wait =
        failure.retryAfterMs ??
        backoffDelay(attempt, {
          baseDelayMs: this.#settings.backoffBaseMs,
          maxDelayMs: this.#settings.maxWaitMs,
        });
      await clock.sleep(wait);
    }
  }

  async #attempt(
    method: string,
    path: string,
    body: unknown,
    credentials: ServiceNowCredentials,
  ): Promise<unknown> {
    const url = `${this.#settings.instanceUrl}${path}`;
    const where = { method, path: path.split('?')[0] ?? path };
    const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password.reveal()}`).toString('base64')}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: {
          accept: 'application/json',
          authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: this.#settings.timeoutMs,
        bodyTimeout: this.#settings.timeoutMs,
        dispatcher: this.#settings.dispatcher,
      });
    } catch (error) {
      // undici's error says what failed (refused, reset, timeout); it never holds the headers.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
      throw new ServiceNowError(`ServiceNow ${method} ${where.path}: no answer (${reason})`, {
        status: 0,
        ...where,
      });
    }
    const text = await readText(response);
    const parsed = parseJson(text);
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      if (parsed === undefined) {
        throw new ServiceNowError(`ServiceNow ${method} ${where.path} answered ${status} without JSON`, {
          status: 502,
          ...where,
        });
      }
      return parsed;
    }
    throw failureOf(response, parsed, where, this.#settings.clock.now());
  }
}

/**
 * The error of a non-2xx answer: ServiceNow's message and detail, the transaction id its
 * transaction log is searched by, and the wait its `Retry-After` asked for.
 */
function failureOf(
  response: Dispatcher.ResponseData,
  parsed: unknown,
  where: { readonly method: string; readonly path: string },
  nowMs: number,
): ServiceNowError {
  const status = response.statusCode;
  const said =
    describeFailureBody(parsed) ?? (status >= 300 && status < 400 ? 'redirect refused' : 'no error body');
  const parts = failureBodyParts(parsed);
  const transactionId = headerValue(response.headers['x-transaction-id']);
  return new ServiceNowError(
    `ServiceNow ${where.method} ${where.path} answered ${status}: ${said}${transactionId ? ` (transaction ${transactionId})` : ''}`,
    {
      status,
      ...where,
      retryAfterMs: readRetryAfter(response.headers['retry-after'], {
        nowMs,
        maxMs: LONGEST_REPORTED_WAIT_MS,
      }),
      serviceNowMessage: parts.message,
      serviceNowDetail: parts.detail,
      transactionId,
    },
  );
}

async function readText(response: Dispatcher.ResponseData): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      response.body.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
