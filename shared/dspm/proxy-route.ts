/**
 * Which way the client reaches a tenant: straight, or through which proxy, or straight because
 * `NO_PROXY` says so. Decided once per tenant, here, so that the dispatcher takes that way and
 * `doctor` and every connection error say the same thing. undici's `EnvHttpProxyAgent` makes the
 * same decision per request but keeps it private; the rules below are its rules (`NO_PROXY`
 * entries split on commas and spaces, `*` for every host, an optional `:port`, a leading `.` or
 * `*.` for subdomains), and test/integration/dspm/proxy-tunnel.test.ts checks they agree.
 */
import type { ProxySetting, ProxySettings } from '../config/proxy.ts';

/** The way to one tenant. */
export type ProxyRoute =
  | { readonly kind: 'direct' }
  | { readonly kind: 'bypassed'; readonly variable: string; readonly entry: string }
  | { readonly kind: 'proxy'; readonly proxy: ProxySetting };

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/** `host:port` of an origin, as a `CONNECT` to it names it. */
export function tunnelTarget(origin: string): string {
  const url = new URL(origin);
  return `${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol]}`;
}

/** The way to `origin` (an `http:` or `https:` origin) under `settings`. */
export function proxyRouteFor(origin: string, settings: ProxySettings): ProxyRoute {
  const url = new URL(origin);
  const proxy = url.protocol === 'https:' ? settings.https : settings.http;
  if (!proxy) return { kind: 'direct' };
  if (settings.noProxy) {
    const host = url.hostname
      .replace(/^\[(.+)\]$/, '$1')
      .replace(/(.)\.$/, '$1')
      .toLowerCase();
    const port = Number(url.port) || (DEFAULT_PORTS[url.protocol] ?? 0);
    const entry = noProxyMatch(settings.noProxy.value, host, port);
    if (entry !== undefined) return { kind: 'bypassed', variable: settings.noProxy.variable, entry };
  }
  return { kind: 'proxy', proxy };
}

/** One line for people: `none`, `http://***@proxy:3128 (from HTTPS_PROXY)`, or `bypassed by NO_PROXY (...)`. */
export function describeProxyRoute(route: ProxyRoute): string {
  switch (route.kind) {
    case 'direct':
      return 'none';
    case 'bypassed':
      return `bypassed by ${route.variable} (entry "${route.entry}")`;
    case 'proxy':
      return `${route.proxy.shown} (from ${route.proxy.variable})`;
  }
}

/** The `NO_PROXY` entry that matches `host:port`, if one does. */
function noProxyMatch(value: string, host: string, port: number): string | undefined {
  for (const entry of value.split(/[,\s]/)) {
    if (!entry) continue;
    const bracketed = /^\[(.+)\]:(\d+)$/.exec(entry);
    const unbracketed = entry.replace(/^\[(.+)\]$/, '$1');
    // A bare IPv6 address has several colons; only `name:digits` carries a port.
    const withPort =
      bracketed ?? (unbracketed.split(':').length === 2 ? /^(.+):(\d+)$/.exec(unbracketed) : null);
    const entryHost = (withPort ? (withPort[1] as string) : unbracketed)
      .replace(/^\*?\./, '')
      .replace(/^(.+)\.$/, '$1')
      .toLowerCase();
    const entryPort = withPort ? Number(withPort[2]) : 0;
    if (entryPort !== 0 && entryPort !== port) continue;
    if (entryHost === '*') return entry;
    // `*.example.com` is subdomains only; `example.com` and `.example.com` take the apex too.
    if (!entry.startsWith('*') && host === entryHost) return entry;
    if (host.endsWith(`.${entryHost}`)) return entry;
  }
  return undefined;
}
