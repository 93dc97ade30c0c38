/**
 * The Slack Web API peer answers as Slack's documentation says, and stricter where it is silent:
 * errors as HTTP 200 with `ok: false`, a strict one-per-second limiter per channel with
 * `Retry-After`, JSON without `charset=utf-8` refused unless told otherwise.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type SlackPeer, startSlackPeer } from '../../peers/slack/server.ts';

const TOKEN = 'xoxb-peer-test';
let peer: SlackPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${url}/api/chat.postMessage`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    json: (await response.json()) as { ok: boolean; ts?: string; error?: string },
  };
}

const JSON_UTF8 = { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` };

describe('the Slack peer', () => {
  it.each<[string, Record<string, string>, unknown, string]>([
    [
      'no token',
      { 'content-type': 'application/json; charset=utf-8' },
      { channel: '#a', text: 'x' },
      'not_authed',
    ],
    [
      'a wrong token',
      { ...JSON_UTF8, authorization: 'Bearer xoxb-wrong' },
      { channel: '#a', text: 'x' },
      'invalid_auth',
    ],
    [
      'JSON without charset',
      { ...JSON_UTF8, 'content-type': 'application/json' },
      { channel: '#a', text: 'x' },
      'missing_charset',
    ],
    ['an unknown channel', JSON_UTF8, { channel: '#nowhere', text: 'x' }, 'channel_not_found'],
    ['a channel without the bot', JSON_UTF8, { channel: '#closed', text: 'x' }, 'not_in_channel'],
    ['no text', JSON_UTF8, { channel: '#a', blocks: [{ type: 'divider' }] }, 'no_text'],
    [
      'too many blocks',
      JSON_UTF8,
      { channel: '#a', text: 'x', blocks: Array(51).fill({ type: 'divider' }) },
      'invalid_blocks',
    ],
    ['text over 40,000 characters', JSON_UTF8, { channel: '#a', text: 'x'.repeat(40_001) }, 'msg_too_long'],
  ])('refuses %s with HTTP 200 and ok:false', async (_, headers, body, error) => {
    peer = await startSlackPeer({ tokens: [TOKEN], channels: ['#a'], channelsWithoutBot: ['#closed'] });
    expect(await post(peer.url, body, headers)).toMatchObject({ status: 200, json: { ok: false, error } });
    expect(peer.messages).toEqual([]);
  });

  it('accepts JSON without charset when told to be as lenient as Slack', async () => {
    peer = await startSlackPeer({ tokens: [TOKEN], channels: ['#a'], requireCharset: false });
    const answer = await post(
      peer.url,
      { channel: '#a', text: 'x' },
      { ...JSON_UTF8, 'content-type': 'application/json' },
    );
    expect(answer.json).toMatchObject({ ok: true, channel: '#a' });
  });

  it('refuses a second message to a channel within a second with 429 and Retry-After, and lets another channel through', async () => {
    peer = await startSlackPeer({ tokens: [TOKEN], channels: ['#a', '#b'] });
    const first = await post(peer.url, { channel: '#a', text: 'one' }, JSON_UTF8);
    const second = await post(peer.url, { channel: '#a', text: 'two' }, JSON_UTF8);
    const other = await post(peer.url, { channel: '#b', text: 'three' }, JSON_UTF8);
    expect([first.status, second.status, other.status]).toEqual([200, 429, 200]);
    expect(second).toMatchObject({ retryAfter: '1', json: { ok: false, error: 'ratelimited' } });
    expect(peer.messages.map((m) => m.text)).toEqual(['one', 'three']);
  });

  it('threads a reply only under a message it holds', async () => {
    peer = await startSlackPeer({ tokens: [TOKEN], channels: ['#a'], perChannelIntervalMs: 0 });
    const parent = await post(peer.url, { channel: '#a', text: 'parent' }, JSON_UTF8);
    const reply = await post(
      peer.url,
      { channel: '#a', text: 'reply', thread_ts: parent.json.ts },
      JSON_UTF8,
    );
    const orphan = await post(peer.url, { channel: '#a', text: 'orphan', thread_ts: '1.000001' }, JSON_UTF8);
    expect([reply.json.ok, orphan.json]).toEqual([true, { ok: false, error: 'thread_not_found' }]);
  });
});
