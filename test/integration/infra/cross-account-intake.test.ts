/**
 * Cross-account and cross-region backup intake on moto: the forwarder's synthesized template is
 * created by CloudFormation in a member account and region, AWS's own backup samples go onto
 * that account's default bus, and a spy on the bridge's bus (in the central account, with the
 * intake rules' patterns taken from the bridge's template) shows what arrives.
 *
 * What moto 5.2 does and does not do here, measured:
 * - It keeps one backend per account and region and picks the account from the
 *   `x-moto-account-id` header (the SDK clients below add it), so "member" and "central" are
 *   separate. A rule whose target is a bus in another account or region puts the event there.
 * - It does not check the bus policy or the forwarding role: a missing policy would still deliver.
 *   The policy's principals and conditions are asserted on the template (test/infra/org-intake).
 *   The policy document is put on the moto bus all the same, to check EventBridge's PutPermission
 *   takes it as written.
 * - A forwarded event is re-published: moto gives it a new id and the receiving bus's account and
 *   region, where AWS keeps the ones it happened in. Nothing below depends on either.
 * - `AWS::SQS::QueuePolicy` has no CloudFormation model in moto; the forwarder's template is
 *   created without it (the dead-letter queue's policy matters only when a delivery fails).
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand, PutPermissionCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createBus, motoClients, type SpyQueue, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { loadFixture } from '../../helpers/fixtures.ts';
import { MOTO_AWS } from '../../helpers/moto.ts';
import { type CfnTemplate, UNSUPPORTED_IN_MOTO } from '../../helpers/moto-template.ts';
import { synthesize } from '../../helpers/stack.ts';

/** moto's default account: the bridge's central account here. */
const CENTRAL = { account: '123456789012', region: MOTO_AWS.region };
const MEMBER = { account: '210987654321', region: 'eu-west-1' };
const ORGANIZATION = 'o-a1b2c3d4e5';

type Place = { account: string; region: string };
type RuleResource = { Type: string; Properties: { Description?: string; EventPattern: object } };
type Sample = { source: string; 'detail-type': string; detail: Record<string, unknown> };

/** Adds moto's account header to every request of `client`. */
function inAccount<C extends EventBridgeClient | CloudFormationClient>(client: C, account: string): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccountId' },
  );
  return client;
}

const clientConfig = (endpoint: string, region: string) => ({ ...MOTO_AWS, region, endpoint });

describe('backup events from other accounts and regions, through the forwarder, to the bridge', () => {
  const endpoint = inject('motoEndpoint');
  const central = motoClients(endpoint);
  const busName = uniqueName('bridge-bus');
  const bridgeBusArn = `arn:aws:events:${CENTRAL.region}:${CENTRAL.account}:event-bus/${busName}`;
  const { template, app } = synthesize({
    organizationId: ORGANIZATION,
    backupEventSources: ['com.veeam.backup'],
  });
  const rules = template.findResources('AWS::Events::Rule') as Record<string, RuleResource>;
  const forwarderTemplate = app.synth().getStackByName('DspmBridgeBackupForwarder').template as CfnTemplate;
  let awsBackupSpy: SpyQueue;
  let genericSpy: SpyQueue;

  /** The pattern of the bridge's rule whose description matches. */
  const pattern = (description: RegExp) => {
    const rule = Object.values(rules).find((r) => description.test(r.Properties.Description ?? ''));
    if (!rule) throw new Error(`no rule described like ${description}`);
    return rule.Properties.EventPattern;
  };

  /** Creates the forwarder's template as a stack in `place`, pointed at the bridge's bus. */
  async function deployForwarder(place: Place): Promise<void> {
    const cloudFormation = inAccount(
      new CloudFormationClient(clientConfig(endpoint, place.region)),
      place.account,
    );
    const resources = Object.fromEntries(
      Object.entries(forwarderTemplate.Resources).filter(([, r]) => !(r.Type in UNSUPPORTED_IN_MOTO)),
    );
    const stackName = uniqueName('DspmBridgeBackupForwarder');
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify({ ...forwarderTemplate, Resources: resources }),
        Parameters: [{ ParameterKey: 'BridgeEventBusArn', ParameterValue: bridgeBusArn }],
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    const { StackResources = [] } = await cloudFormation.send(
      new DescribeStackResourcesCommand({ StackName: stackName }),
    );
    expect(StackResources.filter((r) => r.ResourceType === 'AWS::Events::Rule')).toHaveLength(2);
  }

  /** Puts AWS's sample events (and any others) on the default bus of `place`, as AWS Backup would. */
  async function publishIn(place: Place, samples: Sample[]): Promise<void> {
    const eventBridge = inAccount(new EventBridgeClient(clientConfig(endpoint, place.region)), place.account);
    const { FailedEntryCount } = await eventBridge.send(
      new PutEventsCommand({
        Entries: samples.map((sample) => ({
          Source: sample.source,
          DetailType: sample['detail-type'],
          Detail: JSON.stringify(sample.detail),
        })),
      }),
    );
    expect(FailedEntryCount).toBe(0);
  }

  const samples = (...files: string[]) => files.map((file) => loadFixture<Sample>(`backup/aws/${file}`));
  const AWS_BACKUP_SAMPLES = [
    'backup-job-completed.json',
    'backup-job-failed.json',
    'recovery-point-state-change-completed.json',
    'backup-plan-state-change-modified.json',
    'copy-job-failed.json',
  ];

  beforeAll(async () => {
    // The central account: the bridge's bus, its policy for the organization, and spies with the
    // patterns of the intake's rules on that bus.
    await createBus(central.eventBridge, busName);
    const policy = Object.values(template.findResources('AWS::Events::EventBusPolicy'))[0] as {
      Properties: { Statement: Record<string, unknown> };
    };
    await central.eventBridge.send(
      new PutPermissionCommand({
        EventBusName: busName,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ ...policy.Properties.Statement, Resource: bridgeBusArn }],
        }),
      }),
    );
    awsBackupSpy = await spyOnRule(
      central,
      busName,
      uniqueName('forwarded'),
      pattern(/forwarded from other/),
    );
    genericSpy = await spyOnRule(
      central,
      busName,
      uniqueName('generic'),
      pattern(/backup-protection-changed/),
    );
    await Promise.all([
      deployForwarder(MEMBER),
      deployForwarder({ account: CENTRAL.account, region: MEMBER.region }),
      deployForwarder(CENTRAL),
    ]);
  });

  it("delivers a member account's job and recovery point events to the tagger's rule on the bridge bus, and nothing else of AWS Backup's", async () => {
    await publishIn(MEMBER, samples(...AWS_BACKUP_SAMPLES));
    const arrived = await awsBackupSpy.drain();
    expect(arrived.map((e) => e['detail-type']).sort()).toEqual([
      'Backup Job State Change',
      'Backup Job State Change',
      'Recovery Point State Change',
    ]);
    // The detail arrives as AWS Backup wrote it: what the tagger decides on is all there.
    const completed = arrived.find((e) => e.detail.state === 'COMPLETED');
    expect(completed?.source).toBe('aws.backup');
    expect(completed?.detail).toEqual(samples('backup-job-completed.json')[0]?.detail);
  });

  it("delivers the central account's events from another region", async () => {
    await publishIn({ account: CENTRAL.account, region: MEMBER.region }, samples('backup-job-failed.json'));
    expect((await awsBackupSpy.drain()).map((e) => e.detail.state)).toEqual(['FAILED']);
  });

  it("forwards nothing of AWS Backup's from the bridge's own account and region, where the default-bus rule has them", async () => {
    await publishIn(CENTRAL, samples(...AWS_BACKUP_SAMPLES));
    expect(await awsBackupSpy.drain()).toEqual([]);
  });

  it('delivers the generic contract of a configured source, from a member account and from the bridge account', async () => {
    const generic = (system: string): Sample => ({
      source: 'com.veeam.backup',
      'detail-type': 'backup-protection-changed',
      detail: { dataStoreId: 1, protected: false, reason: 'LAST_JOB_FAILED', system },
    });
    await publishIn(MEMBER, [generic('member'), { ...generic('unknown'), source: 'com.unknown.backup' }]);
    await publishIn(CENTRAL, [generic('central')]);
    expect((await genericSpy.drain()).map((e) => e.detail.system).sort()).toEqual(['central', 'member']);
  });
});
