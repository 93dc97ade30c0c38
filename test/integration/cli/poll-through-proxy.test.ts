/**
 * `dspm-bridge poll` from a checkout on an operator's network: the tenant `acme.goskope.com` is
 * reachable only through a CONNECT proxy on loopback, and its certificate is trusted only through
 * `DSPM_CA_BUNDLE` (a TLS-inspecting proxy's CA). Every failure on that way is one line on
 * stderr that says what to fix.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../helpers/cli.ts';
import { startCliProcess } from '../../helpers/cli-process.ts';
import {
  EVERY_STORE_LISTED,
  listedEntries,
  PROXIED_TENANT,
  type ProxiedTenant,
  startProxiedTenant,
} from '../../helpers/proxied-tenant.ts';

describe('a dry-run poll from a checkout through a CONNECT proxy', () => {
  let network: ProxiedTenant;
  let directory: string;
  let poll: string[];

  beforeAll(async () => {
    network = await startProxiedTenant();
    directory = mkdtempSync(join(tmpdir(), 'dspm-bridge-proxy-'));
    poll = ['poll', '--once', '--dry-run', '--no-baseline', '--state', join(directory, 'state.json')];
  });
  beforeEach(() => {
    network.proxy.tunnels.length = 0;
    network.proxy.refuseWith(undefined);
  });
  afterAll(async () => {
    await network?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('with HTTPS_PROXY, lists every store, each call in a tunnel to the tenant (`npm run cli` as its own process)', async () => {
    // Act
    const cli = startCliProcess(poll, network.env);
    const { code } = await cli.exited;
    // Assert
    expect(cli.stderr()).toMatch(/listing complete: 3 stores/);
    expect(code).toBe(0);
    expect(listedEntries(cli.stdout())).toEqual(EVERY_STORE_LISTED);
    expect(network.proxy.opened()).toBeGreaterThan(0);
    expect(new Set(network.proxy.tunnels.map((t) => `${t.target} ${t.status}`))).toEqual(
      new Set([`${PROXIED_TENANT}:443 200`]),
    );
  });

  it('with the lower-case https_proxy, the same', async () => {
    const { HTTPS_PROXY, ...rest } = network.env;
    const run = await runCliCaptured(poll, { ...rest, https_proxy: HTTPS_PROXY as string });
    expect(run.code).toBe(0);
    expect(listedEntries(run.stdout)).toEqual(EVERY_STORE_LISTED);
    expect(network.proxy.opened()).toBeGreaterThan(0);
  });

  it('with the tenant in NO_PROXY, goes straight to it and opens no tunnel', async () => {
    // Arrange: localhost is the simulator without the proxy; the certificate names it too.
    const env = {
      ...network.env,
      DSPM_TENANT_URL: `https://localhost:${network.sim.port}`,
      DSPM_ALLOW_ANY_HOST: 'true',
      NO_PROXY: 'internal.example, localhost',
    };
    // Act
    const run = await runCliCaptured(poll, env);
    // Assert
    expect(run.code).toBe(0);
    expect(listedEntries(run.stdout)).toHaveLength(EVERY_STORE_LISTED.length);
    expect(network.proxy.tunnels).toEqual([]);
  });

  it('when the proxy refuses the tunnel, fails on one line naming the proxy and its status, and asks once', async () => {
    network.proxy.refuseWith(403);
    const run = await runCliCaptured(poll, network.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const failures = run.stderr.split('\n').filter((line) => line.startsWith('dspm-bridge poll:'));
    expect(failures).toEqual([
      `dspm-bridge poll: GET infrastructure_connections/platforms?offset=0&limit=100: the proxy ${network.proxy.url} (from HTTPS_PROXY) refused the tunnel to ${PROXIED_TENANT}:443: HTTP 403`,
    ]);
    // Nothing else on stderr but the two progress lines before it: a refusal is not retried.
    expect(run.stderr.trim().split('\n')).toHaveLength(3);
    expect(network.proxy.tunnels.map((t) => t.status)).toEqual([403]);
  });

  it('without DSPM_CA_BUNDLE, fails on one line naming the certificate problem and DSPM_CA_BUNDLE', async () => {
    const { DSPM_CA_BUNDLE: _trusted, ...untrusting } = network.env;
    const run = await runCliCaptured(poll, untrusting);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      /^dspm-bridge poll: GET infrastructure_connections\/platforms\?offset=0&limit=100: connection failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate.*\) through the proxy http:\/\/127\.0\.0\.1:\d+ \(from HTTPS_PROXY\); if a proxy inspects TLS on this network, set DSPM_CA_BUNDLE to a PEM file with its CA certificate$/,
    );
    // The tunnel opened; TLS inside it is what failed.
    expect(network.proxy.opened()).toBeGreaterThan(0);
    expect(network.proxy.tunnels.every((t) => t.status === 200)).toBe(true);
  });

  it('sends the credentials of the proxy URL and never shows them', async () => {
    const guarded = await startProxiedTenant({ credentials: { user: 'ops', password: 'pr0xy-s3cret' } });
    try {
      const url = new URL(guarded.proxy.url);
      const withCredentials = `http://ops:pr0xy-s3cret@${url.host}`;
      const run = await runCliCaptured(poll, { ...guarded.env, HTTPS_PROXY: withCredentials });
      expect(run.code).toBe(0);
      expect(guarded.proxy.opened()).toBeGreaterThan(0);

      const wrong = await runCliCaptured(poll, {
        ...guarded.env,
        HTTPS_PROXY: `http://ops:wrong-pass@${url.host}`,
      });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(
        `the proxy http://***@${url.host} (from HTTPS_PROXY) refused the tunnel to ${PROXIED_TENANT}:443: HTTP 407; put the proxy's user and password in HTTPS_PROXY`,
      );
      expect(`${run.stderr}${wrong.stderr}${run.stdout}`).not.toMatch(/pr0xy-s3cret|wrong-pass/);
    } finally {
      await guarded.close();
    }
  });
});

describe('doctor says which proxy the client uses for the tenant', () => {
  let network: ProxiedTenant;
  beforeAll(async () => {
    network = await startProxiedTenant({ credentials: { user: 'ops', password: 'pr0xy-s3cret' } });
  });
  afterAll(async () => {
    await network?.close();
  });

  /** doctor --json's checks, and everything it printed. */
  async function doctor(env: Record<string, string>) {
    const run = await runCliCaptured(['doctor', '--json'], env);
    const checks = JSON.parse(run.stdout) as { check: string; status: string; detail: string }[];
    return { run, checks, proxy: checks.find((c) => c.check === 'proxy')?.detail };
  }

  it('the proxy it tunnels through, its credentials hidden, and every check passes through it', async () => {
    const url = new URL(network.proxy.url);
    const { run, checks, proxy } = await doctor({
      ...network.env,
      HTTPS_PROXY: `http://ops:pr0xy-s3cret@${url.host}`,
    });
    expect(proxy).toBe(
      `http://***@${url.host} (from HTTPS_PROXY): every call goes in a CONNECT tunnel to ${PROXIED_TENANT}:443`,
    );
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(checks.find((c) => c.check === 'dns and tls')?.detail).toBe(
      `${PROXIED_TENANT} through the proxy; TLS checked with the extra CA bundle ${network.env.DSPM_CA_BUNDLE}`,
    );
    expect(network.proxy.opened()).toBeGreaterThan(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain('pr0xy-s3cret');
    expect(run.stderr).toMatch(/^ok {4}proxy: http:\/\/\*\*\*@127\.0\.0\.1:\d+ \(from HTTPS_PROXY\)/m);
  });

  it('when the proxy refuses the tunnel, which proxy refused and what to ask for', async () => {
    const url = new URL(network.proxy.url);
    network.proxy.refuseWith(403);
    try {
      const { run, checks } = await doctor({
        ...network.env,
        HTTPS_PROXY: `http://ops:pr0xy-s3cret@${url.host}`,
      });
      expect(run.code).toBe(1);
      expect(checks.find((c) => c.check === 'token')).toMatchObject({
        status: 'fail',
        detail: `the tenant could not be reached: GET infrastructure_connections/platforms?offset=0&limit=1: the proxy http://***@${url.host} (from HTTPS_PROXY) refused the tunnel to ${PROXIED_TENANT}:443: HTTP 403`,
        fix: `ask the proxy's administrators to allow CONNECT to ${PROXIED_TENANT}:443, check the credentials in the proxy URL, or put the tenant in NO_PROXY if it is reachable directly`,
      });
      expect(`${run.stdout}${run.stderr}`).not.toContain('pr0xy-s3cret');
    } finally {
      network.proxy.refuseWith(undefined);
    }
  });

  it('none, when no proxy variable applies', async () => {
    const { HTTPS_PROXY: _proxy, ...direct } = network.env;
    const { proxy } = await doctor({
      ...direct,
      DSPM_TENANT_URL: `https://localhost:${network.sim.port}`,
      DSPM_ALLOW_ANY_HOST: 'true',
    });
    expect(proxy).toBe('none: no HTTPS_PROXY or HTTP_PROXY applies, the tenant is reached directly');
  });

  it('bypassed by NO_PROXY, naming the entry, when the tenant is in no_proxy', async () => {
    const { checks, proxy } = await doctor({
      ...network.env,
      DSPM_TENANT_URL: `https://localhost:${network.sim.port}`,
      DSPM_ALLOW_ANY_HOST: 'true',
      no_proxy: '.internal.example,localhost',
    });
    expect(proxy).toBe('bypassed by no_proxy (entry "localhost"): the tenant is reached directly');
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
  });
});
