/**
 * Decisions come back, as deployed: the sync function's bundle from a synthesized assembly, run
 * the way Lambda runs it, against the ServiceNow peer over HTTPS, with its watermark in the
 * progress table and the exception in the state and audit tables (moto). A person resolves the
 * bridge's record "Risk Accepted"; one run makes the exception; `exception show` names the
 * person and the close notes; a second run makes nothing more.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Secret } from '#shared/secret.ts';
import { CORRELATION_DISPLAY } from '#shared/servicenow/incident-fields.ts';
import { decisionExceptionId } from '#shared/servicenow/sync-decisions.ts';
import { TableClient } from '#shared/servicenow/table-client.ts';
import {
  createBus,
  createStateTable,
  motoClients,
  uniqueName,
  useMotoEnvironment,
} from '../../helpers/aws.ts';
import { runCliCaptured } from '../../helpers/cli.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { invokeBundle, type StagedBundle, stageBundle } from '../../helpers/lambda-bundle.ts';
import { lambdaRuntimeEnvironment } from '../../helpers/lambda-runtime-env.ts';
import { synthesize } from '../../helpers/stack.ts';
import { PEER_CA_FILE, type ServiceNowPeer, startServiceNowPeer } from '../../peers/servicenow/server.ts';

const BRIDGE = 'dspm.bridge';
const PERSON = 'jane.analyst';
const TENANT = 'example.goskope.com';
const USERS = {
  [BRIDGE]: { password: 'peer-password-1', roles: ['itil'] },
  [PERSON]: { password: 'jane-password-2', roles: ['itil'] },
};

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('the ServiceNow decision sync bundle', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const assembly = mkdtempSync(join(tmpdir(), 'dspm-bridge-servicenow-sync-'));
  const dispatcher = new Agent({ connect: { ca: readFileSync(PEER_CA_FILE) } });
  let peer: ServiceNowPeer;
  let bundle: StagedBundle;
  let env: Record<string, string>;
  let tables: { state: string; audit: string };
  let undoMoto: () => void;

  beforeAll(async () => {
    peer = await startServiceNowPeer({ users: USERS, extraCloseCodes: ['Risk Accepted'] });
    const secret = await clients.secretsManager.send(
      new CreateSecretCommand({
        Name: uniqueName('snow-sync-credentials'),
        SecretString: JSON.stringify({ username: BRIDGE, password: USERS[BRIDGE].password }),
      }),
    );
    const busName = uniqueName('servicenow-sync-bus');
    const { template } = synthesize(
      {
        eventBusName: busName,
        serviceNow: {
          instanceUrl: peer.url,
          customDomain: true,
          credentialsSecretArn: secret.ARN as string,
          sync: { closeCodes: { 'Risk Accepted': { reason: 'risk-accepted', days: 90 } } },
        },
      },
      { bundle: true, outdir: assembly },
    );
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const [, fn] = Object.entries(resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ServiceNowSync'),
    ) as [string, Resource];
    bundle = stageBundle(
      join(assembly, `asset.${(fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`),
    );
    const progress = uniqueName('servicenow-progress');
    await clients.dynamoDb.send(
      new CreateTableCommand({
        TableName: progress,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'correlationId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'correlationId', AttributeType: 'S' }],
      }),
    );
    tables = { state: uniqueName('state'), audit: uniqueName('exception-audit') };
    await createStateTable(clients.dynamoDb, tables.state);
    await clients.dynamoDb.send(
      new CreateTableCommand({
        TableName: tables.audit,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
      }),
    );
    await createBus(clients.eventBridge, busName);
    const variables = {
      ...(fn.Properties.Environment as { Variables: Record<string, string> }).Variables,
      SERVICENOW_PROGRESS_TABLE: progress,
      STATE_TABLE_NAME: tables.state,
      EVENT_BUS_NAME: busName,
      // The tables the template names, made in moto under names of our own.
      EXCEPTION_AUDIT_TABLE_NAME: tables.audit,
    };
    env = {
      ...lambdaRuntimeEnvironment(
        { Environment: { Variables: variables }, Handler: 'index.handler', FunctionName: 'servicenow-sync' },
        endpoint,
      ),
      NODE_EXTRA_CA_CERTS: PEER_CA_FILE,
    };
    undoMoto = useMotoEnvironment(endpoint);
  }, 300_000);

  afterAll(async () => {
    undoMoto?.();
    bundle?.remove();
    rmSync(assembly, { recursive: true, force: true });
    await peer?.close();
    await dispatcher.close();
  });

  const api = (user: keyof typeof USERS) =>
    new TableClient({
      instanceUrl: peer.url,
      table: 'incident',
      credentials: {
        get: async () => ({ username: user, password: new Secret(USERS[user].password) }),
        refresh: async () => ({ username: user, password: new Secret(USERS[user].password) }),
      },
      clock: new FakeClock(),
      dispatcher,
    });

  it('makes an exception of a record resolved "Risk Accepted" within one run, named by the person and the close notes', async () => {
    // Arrange: the record as the follower made it; a person resolves it as an accepted risk.
    const record = await api(BRIDGE).create({
      short_description: 'DSPM high: Data store engineering-7 is publicly accessible',
      correlation_id: `${TENANT}/data-store/7/finding/public-access/1`,
      correlation_display: CORRELATION_DISPLAY,
      impact: '1',
      urgency: '2',
    });
    await api(PERSON).update(record.sys_id as string, {
      state: '6',
      close_code: 'Risk Accepted',
      close_notes: 'Public by design: the bucket serves the product catalogue.',
    });
    // Act
    const run = await invokeBundle(bundle, env, {});
    const again = await invokeBundle(bundle, env, {});
    // Assert: one exception, with the person and the notes; nothing more on the second run.
    expect(run.ok, run.error?.message).toBe(true);
    expect(run.result).toMatchObject({ exceptions: 1, read: 1 });
    expect(again.result).toMatchObject({ exceptions: 0, alreadyApplied: 1 });
    const exceptionId = decisionExceptionId(`${record.sys_id}/Risk Accepted`);
    const shown = await runCliCaptured(['exception', 'show', exceptionId, '--json'], {
      DSPM_TENANT_URL: `https://${TENANT}`,
      DSPM_API_TOKEN: 'not-used-by-show',
      STATE_TABLE_NAME: tables.state,
      EXCEPTION_AUDIT_TABLE_NAME: tables.audit,
      AWS_ENDPOINT_URL: endpoint,
    });
    expect(shown.code, shown.stderr).toBe(0);
    const exception = JSON.parse(shown.stdout);
    expect(exception).toMatchObject({
      exceptionId,
      scope: { findingId: `${TENANT}/data-store/7/finding/public-access` },
      reason: 'risk-accepted',
      requestedBy: PERSON,
      approvedBy: PERSON,
      justification: 'Public by design: the bucket serves the product catalogue.',
      source: 'servicenow',
    });
    expect(exception.audit).toEqual([
      expect.objectContaining({
        action: 'created',
        by: PERSON,
        why: 'Public by design: the bucket serves the product catalogue.',
      }),
    ]);
    expect(run.output).not.toContain(USERS[BRIDGE].password);
  });
});
