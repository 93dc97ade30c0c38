/**
 * Backup events from other accounts and regions on moto, deployed the way docs/operations.md
 * says ("Backups in other accounts and regions"): an organization with an OU holding the
 * bridge's account and a member account, the forwarder's synthesized template deployed by the
 * section's own `aws cloudformation` commands (a service-managed StackSet to the OU, in two
 * regions), run with the real AWS CLI. AWS's backup samples then go onto the default buses, and a
 * spy on the bridge's bus, with the pattern of the intake's rule for forwarded events, shows
 * which reach the tagger.
 *
 * What moto 5.2 does and does not do here, measured:
 * - One backend per account and region; the account of a request is the `x-moto-account-id`
 *   header (the SDK clients below add it). A StackSet instance creates the template's resources
 *   in each account of the OU and region, and a rule whose target is a bus in another account or
 *   region puts the event there.
 * - It checks neither the bus policy nor the forwarding role: a missing policy would still
 *   deliver. The policy's principals and conditions are asserted on the template
 *   (test/infra/org-intake.test.ts); here it is only put on the bus, to see PutPermission take it.
 * - It skips `AWS::SQS::QueuePolicy` (no CloudFormation model), so the dead-letter queue has no
 *   policy here; it matters only when a delivery fails.
 * - A forwarded event is re-published: moto gives it a new id and the receiving bus's account and
 *   region, where AWS keeps the ones it happened in. Nothing below depends on either.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand, PutPermissionCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_BACKUP_READER_ROLE } from '../../../infra/backup-reader-stack.ts';
import { createBus, motoClients, type SpyQueue, spyOnRule, uniqueName } from '../../helpers/aws.ts';
import { credentialFreeEnvironment, REPOSITORY_ROOT } from '../../helpers/cdk-cli.ts';
import { loadFixture } from '../../helpers/fixtures.ts';
import { MOTO_AWS } from '../../helpers/moto.ts';
import { synthesize } from '../../helpers/stack.ts';

const run = promisify(execFile);
const HOME_REGION = MOTO_AWS.region;
const OTHER_REGION = 'eu-west-1';

type Place = { account: string; region: string };
type RuleResource = { Properties: { Description?: string; EventPattern: object } };
type Sample = { source: string; 'detail-type': string; detail: Record<string, unknown> };

/** Adds moto's account header to every request of `client`. */
function inAccount<C extends EventBridgeClient | SQSClient>(client: C, account: string): C {
  // The header is the same for any client; one client's stack type serves to add it.
  (client.middlewareStack as EventBridgeClient['middlewareStack']).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccountId' },
  );
  return client;
}

/** The `sh` code blocks of one section of docs/operations.md, continuation lines joined. */
function documentedCommands(section: string): string[][] {
  const text = readFileSync(join(REPOSITORY_ROOT, 'docs/operations.md'), 'utf8');
  const start = text.indexOf(`## ${section}\n`);
  if (start < 0) throw new Error(`docs/operations.md has no section "${section}"`);
  const end = text.indexOf('\n## ', start + 1);
  const body = text.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) =>
    (block[1] ?? '')
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  );
}

describe('backup events from other accounts and regions, through the StackSet the docs deploy', () => {
  const endpoint = inject('motoEndpoint');
  const scratch = mkdtempSync(join(tmpdir(), 'dspm-bridge-stackset-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const awsEnvironment = credentialFreeEnvironment({
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: MOTO_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_AWS.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: HOME_REGION,
  });
  /** The AWS CLI as an operator runs it (the management account: moto's default one). */
  const aws = async (...args: string[]) =>
    (await run('aws', [...args, '--output', 'text'], { env: awsEnvironment, timeout: 60_000 })).stdout.trim();

  const { template } = synthesize(
    { organizationId: 'o-a1b2c3d4e5', backupEventSources: ['com.veeam.backup'] },
    { outdir: scratch },
  );
  const rules = template.findResources('AWS::Events::Rule') as Record<string, RuleResource>;
  const busName = uniqueName('bridge-bus');
  let bridge: Place;
  let member: Place;
  let bridgeBusArn: string;
  let spy: SpyQueue;
  let genericSpy: SpyQueue;
  let instances: string;
  /** The bridge's coverage role, which the reader roles trust (the stack's CoverageRoleArn output). */
  const coverageRoleArn = () => `arn:aws:iam::${bridge.account}:role/dspm-bridge-coverage`;

  /** The pattern of the bridge's rule whose description matches. */
  const pattern = (description: RegExp) => {
    const rule = Object.values(rules).find((r) => description.test(r.Properties.Description ?? ''));
    if (!rule) throw new Error(`no rule described like ${description}`);
    return rule.Properties.EventPattern;
  };

  /** Puts events on the default bus of `place`, as AWS Backup (or a backup product) would. */
  async function publishIn(place: Place, events: Sample[]): Promise<void> {
    const eventBridge = inAccount(
      new EventBridgeClient({ ...MOTO_AWS, region: place.region, endpoint }),
      place.account,
    );
    const { FailedEntryCount } = await eventBridge.send(
      new PutEventsCommand({
        Entries: events.map((event) => ({
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
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
    // The organization: an OU with the bridge's (security tooling) account and a workload account.
    await aws('organizations', 'create-organization', '--feature-set', 'ALL').catch(async (error: Error) => {
      if (!/AlreadyInOrganization/.test(String(error))) throw error;
    });
    const root = await aws('organizations', 'list-roots', '--query', 'Roots[0].Id');
    const ou = await aws(
      'organizations',
      'create-organizational-unit',
      '--parent-id',
      root,
      '--name',
      uniqueName('workloads'),
      '--query',
      'OrganizationalUnit.Id',
    );
    const account = async (name: string) => {
      const id = await aws(
        'organizations',
        'create-account',
        '--email',
        `${name}@example.com`,
        '--account-name',
        name,
        '--query',
        'CreateAccountStatus.AccountId',
      );
      await aws(
        'organizations',
        'move-account',
        '--account-id',
        id,
        '--source-parent-id',
        root,
        '--destination-parent-id',
        ou,
      );
      return id;
    };
    bridge = { account: await account(uniqueName('security')), region: HOME_REGION };
    member = { account: await account(uniqueName('workload')), region: OTHER_REGION };

    // The bridge's account: its bus with the stack's policy, and spies with the intake's patterns.
    const central = motoClients(endpoint);
    const clients = {
      ...central,
      eventBridge: inAccount(central.eventBridge, bridge.account),
      sqs: inAccount(central.sqs, bridge.account),
    };
    await createBus(clients.eventBridge, busName);
    bridgeBusArn = `arn:aws:events:${bridge.region}:${bridge.account}:event-bus/${busName}`;
    const [policy] = Object.values(template.findResources('AWS::Events::EventBusPolicy')) as {
      Properties: { Statement: Record<string, unknown> };
    }[];
    await clients.eventBridge.send(
      new PutPermissionCommand({
        EventBusName: busName,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ ...policy?.Properties.Statement, Resource: bridgeBusArn }],
        }),
      }),
    );
    spy = await spyOnRule(clients, busName, uniqueName('forwarded'), pattern(/forwarded from other/));
    genericSpy = await spyOnRule(
      clients,
      busName,
      uniqueName('generic'),
      pattern(/backup-protection-changed/),
    );

    // The section's commands, as written, with its placeholders filled and the template where
    // this test synthesized it.
    const commands = documentedCommands('Backups in other accounts and regions');
    const stackSetCommands = commands.flat().filter((line) => line.startsWith('aws cloudformation '));
    expect(stackSetCommands.map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      // The forwarder, in every region listed.
      'aws cloudformation create-stack-set',
      'aws cloudformation create-stack-instances',
      'aws cloudformation list-stack-instances',
      // The reader role, in one region.
      'aws cloudformation create-stack-set',
      'aws cloudformation create-stack-instances',
    ]);
    const outputs = [];
    for (const line of stackSetCommands) {
      const command = line
        .replace('<EventBusArn>', bridgeBusArn)
        .replace('<CoverageRoleArn>', coverageRoleArn())
        .replace('<ou-id>', ou)
        .replace('file://cdk.out/', `file://${scratch}/`);
      outputs.push((await run('sh', ['-c', command], { env: awsEnvironment, timeout: 60_000 })).stdout);
    }
    instances = outputs[2] ?? '';
  }, 120_000);

  it("creates the coverage sweep's reader role in each account of the OU, trusted by the coverage role alone", async () => {
    for (const place of [bridge, member]) {
      const iam = new IAMClient({ ...MOTO_AWS, endpoint });
      iam.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers['x-moto-account-id'] = place.account;
          return next(args);
        },
        { step: 'build' },
      );
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: DEFAULT_BACKUP_READER_ROLE }));
      const trust = JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? '{}')) as {
        Statement: { Principal: { AWS: string } }[];
      };
      expect(trust.Statement.map((statement) => statement.Principal.AWS)).toEqual([coverageRoleArn()]);
    }
  });

  it('creates one forwarder per account of the OU and region listed', () => {
    const rows = instances
      .trim()
      .split('\n')
      .map((row) => row.split('\t'));
    expect(rows.sort()).toEqual(
      [
        [bridge.account, HOME_REGION, 'SUCCEEDED'],
        [bridge.account, OTHER_REGION, 'SUCCEEDED'],
        [member.account, HOME_REGION, 'SUCCEEDED'],
        [member.account, OTHER_REGION, 'SUCCEEDED'],
      ].sort(),
    );
  });

  it("delivers a member account's job and recovery point events to the tagger's rule on the bridge bus, and nothing else of AWS Backup's", async () => {
    await publishIn(member, samples(...AWS_BACKUP_SAMPLES));
    const arrived = await spy.drain();
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

  it("delivers the member account's events from the bridge's region too, and the bridge account's from another region", async () => {
    await publishIn({ account: member.account, region: HOME_REGION }, samples('backup-job-completed.json'));
    await publishIn({ account: bridge.account, region: OTHER_REGION }, samples('backup-job-failed.json'));
    expect((await spy.drain()).map((e) => e.detail.state).sort()).toEqual(['COMPLETED', 'FAILED']);
  });

  it("forwards nothing of AWS Backup's from the bridge's own account and region, where the default-bus rule has them", async () => {
    await publishIn(bridge, samples(...AWS_BACKUP_SAMPLES));
    expect(await spy.drain()).toEqual([]);
  });

  it('delivers the generic contract of a configured source only, from a member account and from the bridge account', async () => {
    const generic = (system: string, source = 'com.veeam.backup'): Sample => ({
      source,
      'detail-type': 'backup-protection-changed',
      detail: { dataStoreId: 1, protected: false, reason: 'LAST_JOB_FAILED', system },
    });
    await publishIn(member, [generic('member'), generic('unknown', 'com.unknown.backup')]);
    await publishIn(bridge, [generic('bridge')]);
    expect((await genericSpy.drain()).map((e) => e.detail.system).sort()).toEqual(['bridge', 'member']);
  });
});
