/**
 * The shipped poller and tagger (their esbuild bundles from the synthesized assembly, run the way
 * the Lambda runtime loads them, Powertools Tracer active) on an operator's network: the tenant
 * `acme.goskope.com` only through a CONNECT proxy, its certificate trusted only through
 * `DSPM_CA_BUNDLE`; and a plain-http tenant behind `HTTP_PROXY`, which once ended the process in
 * the Tracer's undici subscriber. AWS is moto, straight (the AWS SDK does not read the proxy
 * variables).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  createBus,
  createSecret,
  createStateTable,
  motoClients,
  type SpyQueue,
  spyOnRule,
  uniqueName,
} from '../../helpers/aws.ts';
import { awsBackupJobEvent, ENGINEERING_ARN } from '../../helpers/backup-events.ts';
import {
  type Invocation,
  invokeBundle,
  type StagedBundle,
  stageBundle,
} from '../../helpers/lambda-bundle.ts';
import { lambdaRuntimeEnvironment } from '../../helpers/lambda-runtime-env.ts';
import { PROXIED_TENANT, type ProxiedTenant, startProxiedTenant } from '../../helpers/proxied-tenant.ts';
import { sqsBatch } from '../../helpers/queued-finding-events.ts';
import { synthesize } from '../../helpers/stack.ts';
import { type ConnectProxy, startConnectProxy } from '../../peers/connect-proxy/server.ts';

type FunctionResource = {
  Properties: {
    Code: { S3Key: string };
    Handler: string;
    Environment: { Variables: Record<string, unknown> };
  };
};

describe('the shipped poller and tagger through a CONNECT proxy', () => {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const outdir = mkdtempSync(join(tmpdir(), 'dspm-bridge-proxy-bundles-'));
  const bundles: Record<
    'Poller' | 'Tagger',
    { bundle: StagedBundle; deployed: FunctionResource['Properties'] }
  > = {} as never;
  let network: ProxiedTenant;
  let tableName: string;
  let busName: string;
  let secretId: string;
  let spy: SpyQueue;

  /** Invokes a bundle with its synthesized variables (the plain ones), ours laid over them. */
  function invoke(
    name: keyof typeof bundles,
    env: Record<string, string>,
    event: unknown,
  ): Promise<Invocation> {
    const { bundle, deployed } = bundles[name];
    const synthesized = Object.fromEntries(
      Object.entries(deployed.Environment.Variables).filter(([, value]) => typeof value === 'string'),
    ) as Record<string, string>;
    const variables = { ...synthesized, STATE_TABLE_NAME: tableName, EVENT_BUS_NAME: busName, ...env };
    const runtime = lambdaRuntimeEnvironment(
      {
        Environment: { Variables: variables },
        Handler: deployed.Handler,
        FunctionName: `dspm-bridge-${name}`,
      },
      endpoint,
    );
    return invokeBundle(bundle, runtime, event, 60_000);
  }

  beforeAll(async () => {
    const { template } = synthesize({ tenantUrl: `https://${PROXIED_TENANT}` }, { bundle: true, outdir });
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
    for (const name of ['Poller', 'Tagger'] as const) {
      const [, resource] = Object.entries(functions).find(([id]) => id.startsWith(`${name}Function`)) ?? [];
      if (!resource) throw new Error(`the stack has no ${name} function`);
      const asset = join(outdir, `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      bundles[name] = { bundle: stageBundle(asset), deployed: resource.Properties };
    }
    network = await startProxiedTenant();
    tableName = uniqueName('proxy-state');
    busName = uniqueName('proxy-bus');
    await createStateTable(clients.dynamoDb, tableName);
    await createBus(clients.eventBridge, busName);
    secretId = await createSecret(clients.secretsManager, JSON.stringify({ token: 'simulator-token' }));
    spy = await spyOnRule(clients, busName, uniqueName('proxy-spy'), { source: ['netskope.dspm'] });
  }, 180_000);

  afterAll(async () => {
    for (const { bundle } of Object.values(bundles)) bundle?.remove();
    await network?.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('the poller lists every store of the tenant through the proxy (chunk, then finish)', async () => {
    // Arrange: the tenant list as the stack writes it, the proxy and CA bundle as an operator adds them.
    const env = {
      DSPM_TENANTS: JSON.stringify([
        { url: `https://${PROXIED_TENANT}`, tokenSecretId: secretId, rateLimitRps: 50 },
      ]),
      DSPM_RATE_LIMIT_RPS: '50',
      HTTPS_PROXY: network.proxy.url,
      DSPM_CA_BUNDLE: network.env.DSPM_CA_BUNDLE as string,
    };
    const runId = `proxy-execution/${PROXIED_TENANT}`;
    // Act
    const chunk = await invoke('Poller', env, { step: 'chunk', tenant: PROXIED_TENANT, runId });
    const finish = await invoke('Poller', env, { step: 'finish', tenant: PROXIED_TENANT, runId });
    // Assert
    expect(chunk.error).toBeUndefined();
    expect(chunk.result).toMatchObject({ status: 'listed', complete: true, received: 3 });
    expect(finish.error).toBeUndefined();
    expect(finish.result).toMatchObject({ status: 'completed', complete: true, failed: 0 });
    const events = await spy.drain();
    expect(events.map((e) => e['detail-type'])).toEqual(['data-store-finding-opened', 'dspm-poll-completed']);
    expect(events[1]?.detail).toMatchObject({ tenant: PROXIED_TENANT, stores: { seen: 3 } });
    expect(network.proxy.opened()).toBeGreaterThan(0);
    expect(new Set(network.proxy.tunnels.map((t) => `${t.target} ${t.status}`))).toEqual(
      new Set([`${PROXIED_TENANT}:443 200`]),
    );
  });

  it('the tagger tags a store whose backup failed, through the proxy', async () => {
    // Arrange
    network.proxy.tunnels.length = 0;
    const env = {
      DSPM_API_TOKEN_SECRET_ID: secretId,
      HTTPS_PROXY: network.proxy.url,
      DSPM_CA_BUNDLE: network.env.DSPM_CA_BUNDLE as string,
    };
    const event = sqsBatch(
      [awsBackupJobEvent('FAILED', ENGINEERING_ARN, '2026-12-01T10:00:00Z')],
      'aws.backup',
    );
    // Act
    const result = await invoke('Tagger', env, event);
    // Assert
    expect(result.error).toBeUndefined();
    expect(result.result).toEqual({ batchItemFailures: [] });
    const unprotected = network.sim.tenant.listTags().find((tag) => tag.name === 'Unprotected');
    expect(network.sim.tenant.getStore(1)?.data_tags).toContain(unprotected?.id);
    expect(network.proxy.opened()).toBeGreaterThan(0);
  });

  describe('a plain-http tenant behind HTTP_PROXY (DSPM_ALLOW_ANY_HOST)', () => {
    let sim: RunningSimulator;
    let proxy: ConnectProxy;
    beforeAll(async () => {
      sim = await startSimulator();
      proxy = await startConnectProxy();
    });
    afterAll(async () => {
      await proxy?.close();
      await sim?.close();
    });

    it('is polled without the Tracer ending the process', async () => {
      const tenant = new URL(sim.url).host;
      const env = {
        DSPM_TENANTS: JSON.stringify([{ url: sim.url, tokenSecretId: secretId, rateLimitRps: 50 }]),
        DSPM_ALLOW_ANY_HOST: 'true',
        HTTP_PROXY: proxy.url,
      };
      const chunk = await invoke('Poller', env, { step: 'chunk', tenant, runId: `plain-http/${tenant}` });
      expect(chunk.output).not.toContain('Invalid URL');
      expect(chunk.code).toBe(0);
      expect(chunk.result).toMatchObject({ status: 'listed', complete: true, received: 3 });
      expect(proxy.opened()).toBeGreaterThan(0);
      expect(sim.requests.length).toBeGreaterThan(0);
    });
  });
});
