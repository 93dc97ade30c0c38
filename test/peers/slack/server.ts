/**
 * A Slack Web API peer: `POST /api/chat.postMessage`, read from Slack's documentation and no
 * code of the bridge. Slack answers HTTP 200 with `{"ok": false, "error": ...}` for its errors
 * (`not_authed`, `invalid_auth`, `channel_not_found`, `not_in_channel`, `no_text`,
 * `msg_too_long`, `invalid_blocks`), and HTTP 429 with `Retry-After` (seconds) when a channel gets
 * more than about one message a second.
 *
 * Stricter than Slack where the documents are silent, each selectable: by default a strict
 * one-per-second limiter per channel, a JSON body without `charset=utf-8` refused
 * (`missing_charset` is Slack's warning; here an error), unknown channels and tokens refused.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message the peer accepted. */
export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks?: unknown[];
  readonly threadTs?: string;
  readonly at: number;
}

/** Everything the peer received, accepted or not. */
export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: string;
  readonly status: number;
  readonly answer: unknown;
  readonly at: number;
}

/** How strict the peer is. */
export interface SlackPeerOptions {
  /** Bot tokens it accepts (`xoxb-...`). */
  readonly tokens: readonly string[];
  /** Channels the bot is a member of. */
  readonly channels: readonly string[];
  /** Channels that exist but the bot was not invited to (`not_in_channel`). */
  readonly channelsWithoutBot?: readonly string[];
  /** Minimum gap between two messages to one channel, ms; 0 turns the limiter off. Default 1000. */
  readonly perChannelIntervalMs?: number;
  /** Seconds in `Retry-After` on a 429. Default 1. */
  readonly retryAfterSeconds?: number;
  /** Refuse a JSON body whose Content-Type lacks `charset=utf-8`. Default true. */
  readonly requireCharset?: boolean;
}

/** A running peer. */
export interface SlackPeer {
  readonly url: string;
  readonly messages: PostedMessage[];
  readonly requests: ReceivedRequest[];
  /** Answers the next `count` posts with HTTP 429 whatever the pacing (a workspace-wide limit). */
  throttleNext(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

/** Slack's documented cap on `text` (it truncates after 40,000 characters; here: refused). */
const MAX_TEXT = 40_000;
/** Slack's documented cap on blocks per message. */
const MAX_BLOCKS = 50;

/** Starts the peer on a loopback port. */
export async function startSlackPeer(options: SlackPeerOptions): Promise<SlackPeer> {
  const interval = options.perChannelIntervalMs ?? 1000;
  const requireCharset = options.requireCharset ?? true;
  const lastPost = new Map<string, number>();
  const messages: PostedMessage[] = [];
  const requests: ReceivedRequest[] = [];
  let forced = { count: 0, retryAfter: 1 };
  let sequence = 0;

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    status: number,
    payload: unknown,
    headers: Record<string, string> = {},
  ) => {
    requests.push({
      path: req.url ?? '',
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body,
      status,
      answer: payload,
      at: Date.now(),
    });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(payload));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const fail = (error: string) => answer(req, res, body, 200, { ok: false, error });
    if (req.method !== 'POST' || req.url !== '/api/chat.postMessage') {
      return answer(req, res, body, 404, { ok: false, error: 'unknown_method' });
    }
    const auth = req.headers.authorization;
    if (!auth) return fail('not_authed');
    const token = /^Bearer (\S+)$/.exec(auth)?.[1];
    if (!token || !options.tokens.includes(token)) return fail('invalid_auth');
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType)) return fail('invalid_form_data');
    if (requireCharset && !/;\s*charset=utf-8\b/i.test(contentType)) return fail('missing_charset');
    let args: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('invalid_json');
      args = parsed as Record<string, unknown>;
    } catch {
      return fail('invalid_json');
    }
    const channel = args.channel;
    if (typeof channel !== 'string' || channel === '') return fail('channel_not_found');
    if (options.channelsWithoutBot?.includes(channel)) return fail('not_in_channel');
    if (!options.channels.includes(channel)) return fail('channel_not_found');
    const text = args.text;
    const blocks = args.blocks;
    if (
      blocks !== undefined &&
      (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > MAX_BLOCKS)
    ) {
      return fail('invalid_blocks');
    }
    // Slack accepts blocks without text but warns; the peer wants the notification fallback text.
    if (typeof text !== 'string' || text.trim() === '') return fail('no_text');
    if (text.length > MAX_TEXT) return fail('msg_too_long');
    const threadTs = args.thread_ts;
    if (
      threadTs !== undefined &&
      (typeof threadTs !== 'string' || !messages.some((m) => m.ts === threadTs))
    ) {
      return fail('thread_not_found');
    }
    const now = Date.now();
    if (forced.count > 0) {
      forced = { ...forced, count: forced.count - 1 };
      return answer(
        req,
        res,
        body,
        429,
        { ok: false, error: 'ratelimited' },
        {
          'retry-after': String(forced.retryAfter),
        },
      );
    }
    const last = lastPost.get(channel);
    if (interval > 0 && last !== undefined && now - last < interval) {
      return answer(
        req,
        res,
        body,
        429,
        { ok: false, error: 'ratelimited' },
        {
          'retry-after': String(options.retryAfterSeconds ?? 1),
        },
      );
    }
    lastPost.set(channel, now);
    sequence += 1;
    const ts = `${Math.floor(now / 1000)}.${String(sequence).padStart(6, '0')}`;
    messages.push({
      channel,
      ts,
      text,
      ...(Array.isArray(blocks) ? { blocks } : {}),
      ...(typeof threadTs === 'string' ? { threadTs } : {}),
      at: now,
    });
    return answer(req, res, body, 200, { ok: true, channel, ts, message: { text, ts } });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    requests,
    throttleNext: (count, retryAfterSeconds) => {
      forced = { count, retryAfter: retryAfterSeconds };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
