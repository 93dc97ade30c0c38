/**
 * What Slack hears of a finding an exception covers: one message when it is suppressed (who, why,
 * until when, the exception's id), one when it comes back, and nothing in between.
 */
import { describe, expect, it } from 'vitest';
import { whileSuppressed } from '#shared/slack/deliver-finding.ts';
import { readSlackFinding } from '#shared/slack/finding-view.ts';
import { changeOf, findingMessage } from '#shared/slack/message.ts';
import { findingEvent } from '../helpers/queued-finding-events.ts';
import {
  findingException,
  type SuppressedStep,
  suppressedEvent,
} from '../helpers/suppressed-finding-events.ts';

/** The event as the notifier reads it from the queue. */
function read(event: object) {
  const parsed = readSlackFinding({ messageId: 'm1', body: JSON.stringify(event) });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

describe('a finding an exception covers, in Slack', () => {
  it.each<[SuppressedStep, string, boolean]>([
    ['suppressed', 'suppressed', true],
    ['unsuppressed', 'unsuppressed', true],
    ['updated-while-suppressed', 'escalated', false],
    ['opened-suppressed', 'opened', false],
    ['resolved-while-suppressed', 'resolved', false],
  ])('%s is a %s change, posted: %s', (step, change, posted) => {
    // Arrange
    const event = read(suppressedEvent(step));
    // Act
    const kind = changeOf(event.detailType, event.detail);
    const quiet = whileSuppressed(kind, event.detail);
    // Assert
    expect(kind).toBe(change);
    expect(quiet === undefined).toBe(posted);
    if (!posted) expect(quiet).toContain('exc-0123456789abcdef');
  });

  it('still posts the open, update and resolve of a finding no exception covers', () => {
    for (const step of ['opened', 'updated', 'resolved'] as const) {
      const event = read(findingEvent(step));
      expect(whileSuppressed(changeOf(event.detailType, event.detail), event.detail)).toBeUndefined();
    }
  });

  it('says who asked, who approved, why, until when and which exception when a finding is suppressed', () => {
    // Arrange
    const event = read(suppressedEvent('suppressed'));
    // Act
    const message = findingMessage('#c', 'suppressed', event.detail);
    // Assert
    expect(message.text).toMatch(
      /^DSPM Finding suppressed until 2027-02-20: High risk on engineering \(Postgres\) \(engineering, .*\) exc-0123456789abcdef, risk-accepted, requested by alice@example\.com: The database is being decommissioned/,
    );
    const blocks = JSON.stringify(message.blocks);
    for (const shown of [
      'exc-0123456789abcdef',
      'risk-accepted',
      'alice@example.com',
      'ciso@example.com',
      '2027-02-20T10:30:00.000Z',
      'decommissioned in Q1',
    ])
      expect(blocks).toContain(shown);
  });

  it('says how the exception ended when a finding comes back', () => {
    // Arrange: one expired, one revoked.
    const expired = read(suppressedEvent('unsuppressed'));
    const revoked = read(
      suppressedEvent('unsuppressed', {
        exception: findingException({
          revokedAt: '2026-12-01T09:00:00.000Z',
          revokedBy: 'bob@example.com',
          revocation: 'decommissioning cancelled',
        }),
      }),
    );
    // Act
    const [expiredMessage, revokedMessage] = [expired, revoked].map((e) =>
      findingMessage('#c', 'unsuppressed', e.detail),
    );
    // Assert
    expect(expiredMessage?.text).toMatch(/^DSPM Finding open again \(exception expired\): High risk/);
    expect(JSON.stringify(expiredMessage?.blocks)).toContain('expired 2027-02-20T10:30:00.000Z');
    expect(revokedMessage?.text).toMatch(/^DSPM Finding open again \(exception revoked\): High risk/);
    expect(JSON.stringify(revokedMessage?.blocks)).toContain(
      'revoked 2026-12-01T09:00:00.000Z by bob@example.com: decommissioning cancelled',
    );
  });

  it('escapes mrkdwn in what a person typed into the exception', () => {
    const event = read(
      suppressedEvent('suppressed', {
        exception: findingException({ justification: '<!channel> ask & see', requestedBy: '<@U123>' }),
      }),
    );
    const blocks = JSON.stringify(findingMessage('#c', 'suppressed', event.detail).blocks);
    expect(blocks).toContain('&lt;!channel&gt; ask &amp; see');
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).not.toContain('<@U123>');
  });
});
