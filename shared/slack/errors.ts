/**
 * What a `chat.postMessage` call can end in, by meaning. Slack answers HTTP 200 with
 * `"ok": false` for its own errors, so the HTTP status alone says nothing: the `error` code does.
 */
import { BridgeError } from '../errors.ts';

/**
 * Slack refused the message for a reason that will not pass by itself (bad token, unknown
 * channel, bot not invited, bad message): the record fails, and after the queue's receive count
 * lands in the dead-letter queue.
 */
export class SlackRefusedError extends BridgeError {
  readonly retryable = false;
  readonly code: string;
  readonly channel: string;
  constructor(code: string, channel: string) {
    super(`Slack refused the message to ${channel}: ${code}${hintOf(code)}`);
    this.code = code;
    this.channel = channel;
  }
}

/** Slack asked to wait (HTTP 429, `Retry-After` seconds), longer than this invocation may wait. */
export class SlackRateLimitedError extends BridgeError {
  readonly retryable = true;
  readonly retryAfterMs: number;
  readonly channel: string;
  constructor(retryAfterMs: number, channel: string) {
    super(`Slack rate-limited messages to ${channel}; it asked to wait ${retryAfterMs} ms`);
    this.retryAfterMs = retryAfterMs;
    this.channel = channel;
  }
}

/** Slack or the network failed (5xx, a reset, an unreadable answer); sending again may work. */
export class SlackUnavailableError extends BridgeError {
  readonly retryable = true;
}

/** Error codes that mean "try again later" although Slack reports them as `ok: false`. */
export const TRANSIENT_CODES = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

function hintOf(code: string): string {
  switch (code) {
    case 'not_authed':
    case 'invalid_auth':
    case 'token_revoked':
    case 'account_inactive':
      return ' (put a valid bot token, "Bearer xoxb-...", in the Slack token secret)';
    case 'missing_scope':
      return ' (give the Slack app the chat:write scope and reinstall it)';
    case 'channel_not_found':
      return ' (check the channel in the stack configuration)';
    case 'not_in_channel':
      return ' (invite the bot to the channel: /invite @<app>)';
    default:
      return '';
  }
}
