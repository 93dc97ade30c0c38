import { describe, expect, it } from 'vitest';
import { ConfigError } from '#shared/errors.ts';
import { botTokenOf } from '#shared/slack/bot-token.ts';
import { readSlackFinding } from '#shared/slack/finding-view.ts';
import { changeOf, findingMessage } from '#shared/slack/message.ts';
import { requestedWaitMs } from '#shared/slack/post-message.ts';
import { findingDetail, findingEvent } from '../helpers/queued-finding-events.ts';

describe('the Slack bot token secret', () => {
  it.each([
    ['Bearer xoxb-1-2-abc', 'xoxb-1-2-abc'],
    ['xoxb-1-2-abc', 'xoxb-1-2-abc'],
    ['  bearer xoxb-1-2-abc\n', 'xoxb-1-2-abc'],
  ])('reads %j as the token', (value, token) => {
    expect(botTokenOf(value).reveal()).toBe(token);
  });

  it('refuses a value that is no Slack token without repeating it', () => {
    expect(() => botTokenOf('Basic hunter2')).toThrow(ConfigError);
    expect(() => botTokenOf('Basic hunter2')).not.toThrow(/hunter2/);
  });
});

describe("Slack's Retry-After", () => {
  it.each<[string | undefined, number]>([
    ['3', 3000],
    ['0.5', 500],
    [undefined, 1000],
    ['soon', 1000],
    ['-3', 1000],
    [new Date(10_000).toUTCString(), 8000],
    ['86400', 900_000],
  ])('%j means wait %i ms', (header, ms) => {
    expect(requestedWaitMs(header, 2000)).toBe(ms);
  });
});

describe('a finding message', () => {
  it.each([
    ['data-store-finding-opened', findingDetail('opened'), 'opened'],
    ['data-store-finding-updated', findingDetail('updated'), 'escalated'],
    [
      'data-store-finding-updated',
      findingDetail('updated', { severity: 'medium', previousSeverity: 'high' }),
      'de-escalated',
    ],
    ['data-store-finding-resolved', findingDetail('resolved'), 'resolved'],
  ] as const)('tells a %s event apart (%#)', (type, detail, change) => {
    expect(changeOf(type, detail)).toBe(change);
  });

  it('stays within Slack limits and escapes mrkdwn in store names', () => {
    const long = findingDetail('opened', {
      title: 'x'.repeat(500),
      dataStore: { ...findingDetail('opened').dataStore, name: '<!channel> & co' },
    });
    const message = findingMessage('#c', 'opened', long);
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    expect(JSON.stringify(message.blocks)).toContain('&lt;!channel&gt; &amp; co');
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
  });
});

describe('reading a finding event from the queue', () => {
  it('reads a contract event', () => {
    const parsed = readSlackFinding({ messageId: 'm1', body: JSON.stringify(findingEvent('opened')) });
    expect(parsed.ok && parsed.value.detail.severity).toBe('high');
  });

  it.each([
    ['not json', 'the message body is not JSON'],
    [
      JSON.stringify({ ...findingEvent('opened'), 'detail-type': 'data-store-risk-changed' }),
      'not a finding event: detail-type',
    ],
  ])('names what is wrong with %j', (body, reason) => {
    const parsed = readSlackFinding({ messageId: 'm1', body });
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });
});
