/**
 * Suppressed findings on real EventBridge rules (moto): the pattern the README gives subscribers
 * that page people (`"detail": {"status": ["open"]}`) drops a suppressed finding's events and
 * passes an open one's; the Slack rule the stack deploys passes the suppression and the
 * unsuppression and nothing in between.
 */
import { readFileSync } from 'node:fs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openFindingsPattern } from '#shared/events/rule-patterns.ts';
import { createBus, motoClients, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { findingEvent } from '../../helpers/queued-finding-events.ts';
import { synthesize } from '../../helpers/stack.ts';
import { suppressedEvent } from '../../helpers/suppressed-finding-events.ts';

/** The one-line pattern of the README that matches `"status": ["open"]`. */
function readmePattern(): object {
  const line = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('{') && l.includes('"status": ["open"]'));
  if (!line) throw new Error('the README shows no pattern with "status": ["open"]');
  return JSON.parse(line) as object;
}

type RuleResource = { Properties: { Description?: string; EventPattern: object } };

/** Every finding event of one covered finding's life, and of one open finding. */
const EVENTS = [
  ['opened', findingEvent('opened', {}, 'e-opened')],
  ['updated', findingEvent('updated', {}, 'e-updated')],
  ['resolved', findingEvent('resolved', {}, 'e-resolved')],
  ['suppressed', suppressedEvent('suppressed', {}, 'e-suppressed')],
  ['updated-while-suppressed', suppressedEvent('updated-while-suppressed', {}, 'e-updated-suppressed')],
  ['resolved-while-suppressed', suppressedEvent('resolved-while-suppressed', {}, 'e-resolved-suppressed')],
  [
    'opened-suppressed',
    suppressedEvent('opened-suppressed', { eventId: '5'.repeat(64) }, 'e-opened-suppressed'),
  ],
  ['unsuppressed', suppressedEvent('unsuppressed', {}, 'e-unsuppressed')],
] as const;

describe('suppressed findings on EventBridge rules', () => {
  const clients = motoClients(inject('motoEndpoint'));
  const busName = uniqueName('suppressed-bus');
  // Synthesized while the suite is collected, as rule-patterns.test.ts does: synth is slow.
  const { template } = synthesize({
    slack: {
      botTokenSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf',
      channel: '#dspm',
    },
  });

  beforeAll(async () => {
    await createBus(clients.eventBridge, busName);
  });

  /** Puts every event on the bus and returns which steps the rule with `pattern` matched. */
  const matchedSteps = async (name: string, pattern: object) => {
    const spy = await spyOnRule(clients, busName, uniqueName(name), pattern);
    const { FailedEntryCount } = await clients.eventBridge.send(
      new PutEventsCommand({
        Entries: EVENTS.map(([, event]) => ({
          EventBusName: busName,
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
        })),
      }),
    );
    expect(FailedEntryCount).toBe(0);
    const ids = new Set((await spy.drain()).map((e) => e.detail.eventId));
    return EVENTS.filter(([, event]) => ids.has(event.detail.eventId)).map(([step]) => step);
  };

  it.each([
    ['docs/events.md (shared/events/rule-patterns.ts)', openFindingsPattern()],
    ['the README, as printed there', readmePattern()],
  ])(
    "the subscribers' pattern of %s passes what is open and drops what is suppressed",
    async (_, pattern) => {
      expect(await matchedSteps('paging', pattern)).toEqual(['opened', 'updated', 'unsuppressed']);
    },
  );

  it('the Slack rule the stack deploys passes the suppression and the unsuppression, nothing in between', async () => {
    // Arrange: the rule's pattern as synthesized.
    const rules = template.findResources('AWS::Events::Rule') as Record<string, RuleResource>;
    const slack = Object.values(rules).find((r) => /to Slack/.test(r.Properties.Description ?? ''));
    if (!slack) throw new Error('the stack has no Slack rule');
    // Act / Assert
    expect(await matchedSteps('slack', slack.Properties.EventPattern)).toEqual([
      'opened',
      'updated',
      'resolved',
      'suppressed',
      'unsuppressed',
    ]);
  });
});
