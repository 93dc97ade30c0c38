/**
 * Slack Web API `chat.postMessage` over undici: a JSON body with
 * `Content-type: application/json; charset=utf-8` and the bot token as a Bearer header. An answer
 * is a success only when it says `"ok": true`; everything else becomes an error of errors.ts.
 */
import type { Dispatcher } from 'undici';
import { request } from '../dspm/http-client.ts';
import type { Secret } from '../secret.ts';
import {
  SlackRateLimitedError,
  SlackRefusedError,
  SlackUnavailableError,
  TRANSIENT_CODES,
} from './errors.ts';
import type { SlackMessage } from './message.ts';

/** Where and how to post. */
export interface SlackApi {
  /** `https://slack.com/api` (a peer's URL in tests). */
  readonly baseUrl: string;
  readonly token: Secret;
  readonly dispatcher?: Dispatcher | undefined;
}

/** What Slack answers for a posted message. */
export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
}

/** The wait Slack asked for in `Retry-After` (seconds, or an HTTP date); 1 s when unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined) {
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return 1000;
}

/**
 * Posts one message.
 * @throws SlackRefusedError for a permanent `ok: false`, SlackRateLimitedError on 429,
 *   SlackUnavailableError on 5xx, a network error or an unreadable answer.
 */
export async function postMessage(
  api: SlackApi,
  message: SlackMessage,
  now: () => number,
): Promise<PostedMessage> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(`${api.baseUrl.replace(/\/+$/, '')}/chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${api.token.reveal()}`,
      },
      body: JSON.stringify(message),
      dispatcher: api.dispatcher,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
  } catch (error) {
    // undici's error carries no request headers; say what failed, never with what.
    throw new SlackUnavailableError(
      `chat.postMessage to ${message.channel} failed: ${(error as Error).message}`,
    );
  }
  const text = await response.body.text();
  if (response.statusCode === 429) {
    throw new SlackRateLimitedError(retryAfterMs(response.headers['retry-after'], now()), message.channel);
  }
  if (response.statusCode >= 500) {
    throw new SlackUnavailableError(`chat.postMessage answered HTTP ${response.statusCode}`);
  }
  let answer: { ok?: unknown; error?: unknown; ts?: unknown; channel?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new SlackUnavailableError(`chat.postMessage answered HTTP ${response.statusCode} without JSON`);
  }
  if (answer.ok === true && typeof answer.ts === 'string') {
    return { channel: typeof answer.channel === 'string' ? answer.channel : message.channel, ts: answer.ts };
  }
  const code = typeof answer.error === 'string' ? answer.error : `HTTP ${response.statusCode} without ok`;
  if (TRANSIENT_CODES.has(code)) throw new SlackUnavailableError(`chat.postMessage: ${code}`);
  throw new SlackRefusedError(code, message.channel);
}
