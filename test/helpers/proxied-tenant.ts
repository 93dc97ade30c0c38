/**
 * An operator's network in miniature: the simulator serving HTTPS as `acme.goskope.com` with a
 * certificate from a TLS-inspecting proxy's CA (test/fixtures/tls), and a CONNECT proxy on
 * loopback that is the only way to that name. `env` is what an operator sets to get through.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  type ConnectProxy,
  type ConnectProxyOptions,
  startConnectProxy,
} from '../peers/connect-proxy/server.ts';

/** The tenant's name; only the proxy resolves it. */
export const PROXIED_TENANT = 'acme.goskope.com';

/** A fixture of test/fixtures/tls, by file name. */
export const tlsFixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

/** The CA certificate that signed the simulator's: what `DSPM_CA_BUNDLE` must name. */
export const PROXY_CA_BUNDLE = tlsFixture('proxy-ca.cert.pem');

/** The HTTPS simulator and the proxy in front of it. */
export interface ProxiedTenant {
  readonly sim: RunningSimulator;
  readonly proxy: ConnectProxy;
  /** The variables of a dry-run poll through the proxy (HTTPS_PROXY, the CA bundle, the token). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the HTTPS simulator (the guide's three stores) and the proxy routing the tenant to it. */
export async function startProxiedTenant(
  proxyOptions: Omit<ConnectProxyOptions, 'routes'> = {},
): Promise<ProxiedTenant> {
  const sim = await startSimulator({
    tls: {
      key: readFileSync(tlsFixture('goskope.key.pem')),
      cert: readFileSync(tlsFixture('goskope.cert.pem')),
    },
  });
  const proxy = await startConnectProxy({
    ...proxyOptions,
    routes: { [`${PROXIED_TENANT}:443`]: `127.0.0.1:${sim.port}` },
  });
  return {
    sim,
    proxy,
    env: {
      DSPM_TENANT_URL: `https://${PROXIED_TENANT}`,
      DSPM_API_TOKEN: 'simulator-token',
      DSPM_CA_BUNDLE: PROXY_CA_BUNDLE,
      DSPM_RATE_LIMIT_RPS: '1000',
      HTTPS_PROXY: proxy.url,
    },
    close: async () => {
      await proxy.close();
      await sim.close();
    },
  };
}

/** The DetailType and store id of each NDJSON line a dry-run poll printed. */
export function listedEntries(stdout: string): { type: string; store: number | undefined }[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { DetailType: string; Detail: { dataStore?: { id: number } } })
    .map((line) => ({ type: line.DetailType, store: line.Detail.dataStore?.id }));
}

/** What a dry-run poll of the guide's tenant (no baseline) lists: every store, then the summary. */
export const EVERY_STORE_LISTED = [
  { type: 'data-store-discovered', store: 1 },
  { type: 'data-store-finding-opened', store: 1 },
  { type: 'data-store-discovered', store: 2 },
  { type: 'data-store-discovered', store: 3 },
  { type: 'dspm-poll-completed', store: undefined },
];
