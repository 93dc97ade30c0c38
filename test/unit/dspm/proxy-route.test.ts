/**
 * The way to a tenant (`proxyRouteFor`) against the decision undici's own `EnvHttpProxyAgent`
 * makes for the same variables: the bridge decides once per tenant so that doctor and the errors
 * can name it, and must decide as undici does. undici keeps the decision private, so its three
 * agents are swapped for recorders and one request is dispatched to each origin.
 */

// @ts-expect-error: undici types only its index; these two are internals, read only in this test.
import symbols from 'undici/lib/core/symbols.js';
// @ts-expect-error: as above.
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import { describe, expect, it } from 'vitest';
import { readProxySettings } from '#shared/config/proxy.ts';
import { describeProxyRoute, proxyRouteFor } from '#shared/dspm/proxy-route.ts';

const PROXY = 'http://proxy.example.com:3128';

/** Which of its agents undici's EnvHttpProxyAgent hands a request for `origin`. */
function undiciChoice(origin: string, noProxy: string): 'direct' | 'proxy' {
  const agent = new EnvHttpProxyAgent({ httpProxy: PROXY, httpsProxy: PROXY, noProxy });
  let chosen: 'direct' | 'proxy' | undefined;
  const recorder = (name: 'direct' | 'proxy') => ({
    dispatch: () => {
      chosen = name;
      return true;
    },
    close: async () => {},
    destroy: async () => {},
  });
  agent[symbols.kNoProxyAgent] = recorder('direct');
  agent[symbols.kHttpProxyAgent] = recorder('proxy');
  agent[symbols.kHttpsProxyAgent] = recorder('proxy');
  agent.dispatch({ origin, path: '/', method: 'GET' }, {});
  if (!chosen) throw new Error('undici dispatched to none of its agents');
  return chosen;
}

function ourChoice(origin: string, noProxy: string): 'direct' | 'proxy' {
  const route = proxyRouteFor(
    origin,
    readProxySettings({ HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY, NO_PROXY: noProxy }),
  );
  return route.kind === 'proxy' ? 'proxy' : 'direct';
}

describe('proxyRouteFor decides as undici does', () => {
  const origins = [
    'https://acme.goskope.com',
    'https://eu.acme.goskope.com',
    'https://goskope.com',
    'https://acme.goskope.com:8443',
    'http://127.0.0.1:8080',
    'https://localhost:9443',
    'https://[::1]:9443',
    'https://ACME.goskope.com.',
  ];
  const noProxies = [
    '',
    '*',
    'goskope.com',
    '.goskope.com',
    '*.goskope.com',
    'acme.goskope.com',
    'acme.goskope.com:443',
    'acme.goskope.com:8443',
    'other.example, localhost',
    'other.example 127.0.0.1',
    '::1',
    '[::1]:9443',
    '*:443',
    'cme.goskope.com',
    'ACME.GOSKOPE.COM.',
  ];
  const cases = origins.flatMap((origin) => noProxies.map((noProxy) => [origin, noProxy] as const));

  it.each(cases)('%s with NO_PROXY "%s"', (origin, noProxy) => {
    expect(ourChoice(origin, noProxy)).toBe(undiciChoice(origin, noProxy));
  });
});

describe('readProxySettings and describeProxyRoute', () => {
  it('prefers the lower-case variable, and falls back to the http proxy for https', () => {
    const both = readProxySettings({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' });
    expect(describeProxyRoute(proxyRouteFor('https://acme.goskope.com', both))).toBe(
      'http://lower:1 (from https_proxy)',
    );
    const httpOnly = readProxySettings({ HTTP_PROXY: 'http://plain:3' });
    expect(describeProxyRoute(proxyRouteFor('https://acme.goskope.com', httpOnly))).toBe(
      'http://plain:3 (from HTTP_PROXY)',
    );
    expect(describeProxyRoute(proxyRouteFor('https://acme.goskope.com', readProxySettings({})))).toBe('none');
  });

  it('never shows the credentials of a proxy URL, printed or serialised', () => {
    const settings = readProxySettings({ HTTPS_PROXY: 'http://ops:s3cret-pass@proxy.example.com:3128/' });
    const route = proxyRouteFor('https://acme.goskope.com', settings);
    expect(describeProxyRoute(route)).toBe('http://***@proxy.example.com:3128 (from HTTPS_PROXY)');
    expect(JSON.stringify(settings)).not.toContain('s3cret-pass');
    expect(`${JSON.stringify(route)}`).not.toContain('s3cret-pass');
  });

  it('names the NO_PROXY entry that sent the tenant around the proxy', () => {
    const settings = readProxySettings({ HTTPS_PROXY: PROXY, no_proxy: 'intranet.example, .goskope.com' });
    expect(describeProxyRoute(proxyRouteFor('https://acme.goskope.com', settings))).toBe(
      'bypassed by no_proxy (entry ".goskope.com")',
    );
  });
});
