/**
 * The rule patterns the stack deploys, taken from the synthesized template, on a moto bus: the
 * poller's real events and AWS's own backup samples go in, and the SQS spies show which rules
 * match.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { createBus, motoClients, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { loadFixture } from '../../helpers/fixtures.ts';
import { findingEvent } from '../../helpers/queued-finding-events.ts';
import { synthesize } from '../../helpers/stack.ts';

type RuleResource = { Properties: { Description?: string; EventPattern: object } };

/** The event pattern of the stack's rule whose description matches. */
function deployedPattern(rules: Record<string, RuleResource>, description: RegExp): object {
  const rule = Object.values(rules).find((r) => description.test(r.Properties.Description ?? ''));
  if (!rule) throw new Error(`no rule described like ${description}`);
  return rule.Properties.EventPattern;
}

describe('the rule patterns the stack deploys', () => {
  const clients = motoClients(inject('motoEndpoint'));
  const busName = uniqueName('patterns-bus');
  const { template } = synthesize({
    backupEventSources: ['com.veeam.backup'],
    slack: {
      botTokenSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:slack-AbCdEf',
      channel: '#dspm',
    },
    serviceNow: {
      instanceUrl: 'https://acme.service-now.com',
      credentialsSecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:snow-AbCdEf',
    },
  });
  const rules = template.findResources('AWS::Events::Rule') as Record<string, RuleResource>;
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator();
    await createBus(clients.eventBridge, busName);
  });
  afterAll(() => sim.close());

  it('send Slack the high and critical finding events, test events included, baseline and risk changes left out', async () => {
    // Arrange
    const slack = await spyOnRule(clients, busName, uniqueName('slack'), deployedPattern(rules, /to Slack/));
    const cases = [
      ['opened high', findingEvent('opened'), true],
      ['escalated to critical', findingEvent('updated'), true],
      ['resolved', findingEvent('resolved'), true],
      ['a test event', findingEvent('opened', { test: true, eventId: 'd'.repeat(64) }), true],
      ['opened medium', findingEvent('opened', { severity: 'medium', eventId: 'e'.repeat(64) }), false],
      ['opened at the baseline', findingEvent('opened', { baseline: true, eventId: 'f'.repeat(64) }), false],
    ] as const;
    // Act
    await clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          ...cases.map(([, event]) => ({
            EventBusName: busName,
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
          })),
          {
            EventBusName: busName,
            Source: 'netskope.dspm',
            DetailType: 'data-store-risk-changed',
            Detail: JSON.stringify({ severity: 'critical', eventId: '0'.repeat(64) }),
          },
        ],
      }),
    );
    // Assert
    const matched = (await slack.drain()).map((e) => e.detail.eventId).sort();
    expect(matched).toEqual(
      cases
        .filter(([, , match]) => match)
        .map(([, event]) => event.detail.eventId)
        .sort(),
    );
  });

  it("route AWS Backup's job and recovery point events to the tagger, and nothing else of AWS Backup's", async () => {
    const spy = await spyOnRule(
      clients,
      busName,
      uniqueName('aws-backup'),
      deployedPattern(rules, /AWS Backup job and recovery point/),
    );
    const samples = [
      'backup-job-failed.json',
      'backup-job-completed.json',
      'recovery-point-state-change-completed.json',
      'backup-plan-state-change-modified.json',
      'copy-job-failed.json',
    ];
    await clients.eventBridge.send(
      new PutEventsCommand({
        Entries: samples.map((file) => {
          const sample = loadFixture<{ source: string; 'detail-type': string; detail: object }>(
            `backup/aws/${file}`,
          );
          return {
            EventBusName: busName,
            Source: sample.source,
            DetailType: sample['detail-type'],
            Detail: JSON.stringify(sample.detail),
          };
        }),
      }),
    );
    expect((await spy.drain()).map((e) => e['detail-type']).sort()).toEqual([
      'Backup Job State Change',
      'Backup Job State Change',
      'Recovery Point State Change',
    ]);
  });

  it('accept the generic contract only from the configured sources', async () => {
    const spy = await spyOnRule(
      clients,
      busName,
      uniqueName('generic'),
      deployedPattern(rules, /backup-protection-changed events/),
    );
    const detail = JSON.stringify({
      dataStoreId: 1,
      protected: false,
      reason: 'LAST_JOB_FAILED',
      system: 'veeam',
    });
    await clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: 'com.veeam.backup',
            DetailType: 'backup-protection-changed',
            Detail: detail,
          },
          {
            EventBusName: busName,
            Source: 'com.unknown.backup',
            DetailType: 'backup-protection-changed',
            Detail: detail,
          },
          { EventBusName: busName, Source: 'com.veeam.backup', DetailType: 'something-else', Detail: detail },
        ],
      }),
    );
    expect((await spy.drain()).map((e) => e.source)).toEqual(['com.veeam.backup']);
  });
});
