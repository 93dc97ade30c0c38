import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { createDspmClient } from '#shared/dspm/create-client.ts';
import { DspmConnectionError } from '#shared/dspm/errors.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import { type ConnectProxy, startConnectProxy } from '../../peers/connect-proxy/server.ts';

const tls = (name: string) => fileURLToPath(new URL(`../../fixtures/tls/${name}`, import.meta.url));

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(String(typeof address === 'object' && address ? address.port : 0));
    }),
  );
}

describe('a tenant behind a TLS-inspecting proxy (a certificate from a private CA)', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createHttpsServer(
      { key: readFileSync(tls('tenant.key.pem')), cert: readFileSync(tls('tenant.cert.pem')) },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'tls-1' });
        res.end(JSON.stringify({ total: 1, results: [{ id: 0, name: 'AWS' }] }));
      },
    );
    url = `https://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const clientFor = (env: Record<string, string>) =>
    createDspmClient(
      readDspmConfig({ DSPM_TENANT_URL: url, DSPM_API_TOKEN: 't', DSPM_ALLOW_ANY_HOST: 'true', ...env }),
      {
        retry: { maxRetries: 0 },
      },
    );

  it('is refused with a hint to set DSPM_CA_BUNDLE', async () => {
    const error = await clientFor({})
      .platforms()
      .toArray(10)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DspmConnectionError);
    expect((error as Error).message).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT.*set DSPM_CA_BUNDLE/);
    // Said as a field too, so doctor advises the CA bundle without reading the message.
    expect((error as DspmConnectionError).untrustedCertificate).toBe(true);
  });

  it('is trusted once DSPM_CA_BUNDLE names the CA certificate', async () => {
    const platforms = await clientFor({ DSPM_CA_BUNDLE: tls('tenant.cert.pem') })
      .platforms()
      .toArray(10);
    expect(platforms).toEqual([{ id: 0, name: 'AWS' }]);
  });

  it('names the variable when the bundle holds no certificate', () => {
    expect(() => clientFor({ DSPM_CA_BUNDLE: tls('README.md') })).toThrow(
      /DSPM_CA_BUNDLE .* holds no PEM certificate/,
    );
  });
});

describe('a plain-http tenant behind HTTP_PROXY (DSPM_ALLOW_ANY_HOST)', () => {
  let sim: RunningSimulator;
  let proxy: ConnectProxy;

  beforeAll(async () => {
    sim = await startSimulator();
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('is reached through a CONNECT tunnel too, never with an absolute-form request', async () => {
    // Absolute form (`GET http://...` to the proxy) is what crashed Powertools Tracer's subscriber.
    const config = readDspmConfig({
      DSPM_TENANT_URL: sim.url,
      DSPM_API_TOKEN: 'simulator-token',
      DSPM_ALLOW_ANY_HOST: 'true',
      HTTP_PROXY: proxy.url,
    });
    const stores = await createDspmClient(config).connectedDataStores().toArray(10);
    expect(stores).toHaveLength(3);
    expect(proxy.tunnels).toEqual([
      { target: `127.0.0.1:${sim.port}`, status: 200, authorization: undefined },
    ]);
  });
});
