/**
 * The AWS Backup peer is strict where AWS's reference is silent: these pin that, through the real
 * SDK client, so a lenient peer cannot let a careless adapter pass.
 */
import { BackupClient, ListRecoveryPointsByResourceCommand } from '@aws-sdk/client-backup';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsBackupPeer, startAwsBackupPeer } from '../../peers/aws-backup/server.ts';

const ACCOUNT = '123456789012';
const ARN = `arn:aws:rds:us-west-2:${ACCOUNT}:db:engineering`;

describe('the AWS Backup peer', () => {
  let peer: AwsBackupPeer;
  const client = (region = 'us-west-2', accessKeyId = 'AKIDEXAMPLE') =>
    new BackupClient({
      region,
      endpoint: peer.url,
      maxAttempts: 1,
      credentials: { accessKeyId, secretAccessKey: 'secret' },
    });
  const list = (input: { ResourceArn: string; MaxResults?: number; NextToken?: string }, c = client()) =>
    c.send(new ListRecoveryPointsByResourceCommand(input));

  beforeAll(async () => {
    peer = await startAwsBackupPeer({
      accountOf: (key) =>
        key === 'AKIDEXAMPLE' ? ACCOUNT : key === 'AKIDOTHER' ? '234567890123' : undefined,
      pageCap: 2,
    });
  });
  beforeEach(() => {
    peer.reset();
    peer.addResource({
      resourceArn: ARN,
      accountId: ACCOUNT,
      region: 'us-west-2',
      recoveryPoints: ['c', 'a', 'b'].map((id, i) => ({
        recoveryPointArn: `${ARN}:rp-${id}`,
        creationDate: new Date(Date.UTC(2026, 10, 20 + i)),
        status: 'COMPLETED',
      })),
    });
  });
  afterAll(() => peer.close());

  it('pages with NextToken, fewer than MaxResults a page, and no token on the last page', async () => {
    const first = await list({ ResourceArn: ARN, MaxResults: 100 });
    expect(first.RecoveryPoints?.map((p) => p.RecoveryPointArn?.slice(-4))).toEqual(['rp-a', 'rp-b']);
    expect(first.NextToken).toEqual(expect.any(String));
    const last = await list({ ResourceArn: ARN, MaxResults: 100, NextToken: first.NextToken });
    expect(last.RecoveryPoints?.map((p) => p.CreationDate)).toEqual([new Date(Date.UTC(2026, 10, 20))]);
    expect(last.NextToken).toBeUndefined();
  });

  it.each<[string, () => Promise<unknown>, string]>([
    [
      'MaxResults above 1,000',
      () => list({ ResourceArn: ARN, MaxResults: 1_001 }),
      'InvalidParameterValueException',
    ],
    [
      'a NextToken it did not issue',
      () => list({ ResourceArn: ARN, NextToken: 'forged' }),
      'InvalidParameterValueException',
    ],
    [
      'a resource it holds nothing about',
      () => list({ ResourceArn: `arn:aws:rds:us-west-2:${ACCOUNT}:db:unknown` }),
      'ResourceNotFoundException',
    ],
    [
      'the right resource asked in another region',
      () => list({ ResourceArn: ARN }, client('eu-west-1')),
      'ResourceNotFoundException',
    ],
    [
      'a resource of another account',
      () => list({ ResourceArn: ARN }, client('us-west-2', 'AKIDOTHER')),
      'AccessDeniedException',
    ],
    [
      'an access key it does not know',
      () => list({ ResourceArn: ARN }, client('us-west-2', 'AKIDNOBODY')),
      'UnrecognizedClientException',
    ],
  ])('refuses %s', async (_case, call, name) => {
    await expect(call()).rejects.toMatchObject({ name });
  });

  it('answers throttling and outages when told to, then recovers', async () => {
    peer.addFault({ kind: 'throttle', count: 1 });
    peer.addFault({ kind: 'unavailable', count: 1 });
    await expect(list({ ResourceArn: ARN })).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(list({ ResourceArn: ARN })).rejects.toMatchObject({ name: 'ServiceUnavailableException' });
    await expect(list({ ResourceArn: ARN })).resolves.toMatchObject({ RecoveryPoints: expect.any(Array) });
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(`${peer.url}/resources/${encodeURIComponent(ARN)}/recovery-points/`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});
