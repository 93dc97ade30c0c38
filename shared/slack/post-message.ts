/**
 * Slack Web API `chat.postMessage` over undici: a JSON body with
 * `Content-type: application/json; charset=utf-8` and the bot token as a Bearer header. An answer
 * is a success only when it says `"ok": true`; everything else becomes an error of errors.ts.
 */
import type { Dispatcher } from 'undici';
import { request } from '../dspm/http-client.ts';
import { readRetryAfter } from '../http/retry-after.ts';
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

/**
 * Longest wait reported: a Lambda invocation's whole life (15 minutes). The delivery waits only
 * when the wait and one more call fit in what is left of the invocation, so a longer one is
 * never waited anyway.
 */
const LONGEST_REPORTED_WAIT_MS = 15 * 60_000;

/**
 * The wait Slack asked for in `Retry-After` (read as shared/http/retry-after.ts says, at most 15
 * minutes); 1 s when absent or invalid, the interval Slack's per-channel limit counts in.
 */
export function requestedWaitMs(header: string | readonly string[] | undefined, nowMs: number): number {
  return readRetryAfter(header, { nowMs, maxMs: LONGEST_REPORTED_WAIT_MS }) ?? 1000;
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
    throw new SlackRateLimitedError(requestedWaitMs(response.headers['retry-after'], now()), message.channel);
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
