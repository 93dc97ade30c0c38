/**
 * Writing one response: JSON content type, a unique `x-request-id`, the rate-limit headers when a
 * limit is configured, and the request-log entry completed at the moment the response is sent (so
 * a test that has just read the body finds it already there).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestLogEntry } from './request-log.ts';

/** The JSON content type every response declares (even a truncated or error body). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** One response in the making. */
export class Reply {
  readonly response: ServerResponse;
  readonly requestId: string;
  readonly #entry: RequestLogEntry | undefined;
  readonly #startedAt: number;
  /** Headers added to every response of this request (rate-limit state). */
  commonHeaders: Record<string, string> = {};

  constructor(response: ServerResponse, requestId: string, entry?: RequestLogEntry) {
    this.response = response;
    this.requestId = requestId;
    this.#entry = entry;
    this.#startedAt = performance.now();
    // A response that never completes (hang, reset, client gone) still gets its duration.
    response.once('close', () => {
      if (entry !== undefined && !response.writableFinished) entry.durationMs = this.elapsedMs();
    });
  }

  /** False once the socket is gone or the response is complete: nothing more may be written. */
  get writable(): boolean {
    return !this.response.destroyed && !this.response.writableEnded;
  }

  elapsedMs(): number {
    return Math.round((performance.now() - this.#startedAt) * 1000) / 1000;
  }

  /** Status line and headers, without the body. */
  head(status: number, extra: OutgoingHttpHeaders = {}, contentLength?: number): void {
    const headers: OutgoingHttpHeaders = {
      'content-type': JSON_CONTENT_TYPE,
      'x-request-id': this.requestId,
      ...this.commonHeaders,
      ...extra,
    };
    if (contentLength !== undefined) headers['content-length'] = contentLength;
    this.response.writeHead(status, headers);
    if (this.#entry !== undefined) this.#entry.status = status;
  }

  /** Ends the response and records its duration. */
  end(chunk?: Buffer): void {
    this.response.end(chunk);
    if (this.#entry !== undefined) this.#entry.durationMs = this.elapsedMs();
  }

  /** Sends a complete body. */
  raw(status: number, payload: string | Buffer, extra: OutgoingHttpHeaders = {}): void {
    if (!this.writable) return;
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    this.head(status, extra, body.length);
    this.end(body);
  }

  /** Sends `value` as JSON. */
  json(status: number, value: unknown, extra: OutgoingHttpHeaders = {}): void {
    this.raw(status, JSON.stringify(value), extra);
  }

  /** Sends the `{"message": ...}` error body. */
  error(status: number, message: string, extra: OutgoingHttpHeaders = {}): void {
    this.json(status, { message }, extra);
  }

  /** Closes the connection without a response (the `reset` fault). */
  destroy(): void {
    this.response.socket?.destroy();
    this.response.destroy();
  }
}
