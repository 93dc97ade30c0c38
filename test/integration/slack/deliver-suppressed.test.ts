/**
 * The delivery use case against the Slack peer over HTTP: of a finding an exception covers it
 * posts the suppression and the unsuppression and skips everything in between, whatever the rule
 * let through (a hand-made rule, a replay from the archive).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '#shared/clock.ts';
import { Secret } from '#shared/secret.ts';
import { ChannelPacer, deliverFinding } from '#shared/slack/deliver-finding.ts';
import { readSlackFinding } from '#shared/slack/finding-view.ts';
import { findingEvent } from '../../helpers/queued-finding-events.ts';
import { type SuppressedStep, suppressedEvent } from '../../helpers/suppressed-finding-events.ts';
import { type SlackPeer, startSlackPeer } from '../../peers/slack/server.ts';

const TOKEN = 'xoxb-1111-2222-deliver-suppressed';
const CHANNEL = '#dspm-alerts';

describe('delivering the events of a suppressed finding to Slack', () => {
  let peer: SlackPeer;

  beforeAll(async () => {
    peer = await startSlackPeer({ tokens: [TOKEN], channels: [CHANNEL], perChannelIntervalMs: 0 });
  });
  afterAll(() => peer.close());

  const deliver = async (event: object) => {
    const parsed = readSlackFinding({ messageId: 'm1', body: JSON.stringify(event) });
    if (!parsed.ok) throw new Error(parsed.reason);
    return deliverFinding(
      parsed.value,
      {
        api: { baseUrl: `${peer.url}/api`, token: new Secret(TOKEN) },
        clock: systemClock,
        pacer: new ChannelPacer(systemClock, 0),
        remainingMs: () => 60_000,
      },
      { channel: CHANNEL, intervalMs: 0, postDeescalations: true, maxRateLimitWaits: 0 },
    );
  };

  it.each<[SuppressedStep, 'posted' | 'skipped']>([
    ['suppressed', 'posted'],
    ['updated-while-suppressed', 'skipped'],
    ['opened-suppressed', 'skipped'],
    ['resolved-while-suppressed', 'skipped'],
    ['unsuppressed', 'posted'],
  ])('%s: %s', async (step, kind) => {
    // Arrange
    const before = peer.messages.length;
    // Act
    const outcome = await deliver(suppressedEvent(step));
    // Assert
    expect(outcome.kind).toBe(kind);
    expect(peer.messages.length - before).toBe(kind === 'posted' ? 1 : 0);
  });

  it('still posts an open finding', async () => {
    expect((await deliver(findingEvent('updated'))).kind).toBe('posted');
  });
});
