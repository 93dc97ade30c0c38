/**
 * The undici dispatcher the client talks to one tenant through: straight, or through the proxy
 * its `ProxyRoute` names (from `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), and trusting an extra CA
 * bundle, because many Netskope customers inspect TLS with their own certificate authority.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { ConfigError } from '../errors.ts';
import { Agent, ProxyAgent, tunnelClientFactory } from './http-client.ts';
import type { ProxyRoute } from './proxy-route.ts';

/** Options of `createDispatcher`. */
export interface DispatcherOptions {
  /** Path of a PEM file with extra CA certificates (`DSPM_CA_BUNDLE`), trusted besides the system's. */
  readonly caBundlePath?: string | undefined;
  /** Most connections to the tenant at once. */
  readonly connections?: number;
  /** Milliseconds to wait for a TCP and TLS connection (to the proxy, and through it). */
  readonly connectTimeoutMs?: number;
  /** The way to the tenant (default: straight). */
  readonly route?: ProxyRoute | undefined;
}

/**
 * Builds the dispatcher. Idle sockets are dropped after 4 s: a Lambda frozen between invocations
 * comes back to sockets the server has long closed, and a short keep-alive makes that rare (the
 * retry of idempotent calls on `ECONNRESET` covers the rest).
 *
 * Through a proxy every request goes in a `CONNECT` tunnel, plain-http tenants included
 * (`proxyTunnel`). undici would otherwise send an http request to the proxy in absolute form
 * (`GET http://tenant/...`), and Powertools Tracer's undici subscriber builds
 * `new URL(origin + path)` from it, throws `Invalid URL` inside a diagnostics channel, and so ends
 * the Lambda process. Tunnelled, the request undici reports is the tenant's own.
 *
 * @throws ConfigError when the CA bundle cannot be read or holds no certificate.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const tls = options.caBundlePath ? { ca: [...rootCertificates, readCaBundle(options.caBundlePath)] } : {};
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const pooling = {
    connections: options.connections ?? 16,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
  };
  const route = options.route ?? { kind: 'direct' };
  if (route.kind !== 'proxy') return new Agent({ ...pooling, connect: { timeout: connectTimeout, ...tls } });
  return new ProxyAgent({
    ...pooling,
    uri: route.proxy.url.reveal(),
    proxyTunnel: true,
    clientFactory: tunnelClientFactory,
    connectTimeout,
    requestTls: tls,
    proxyTls: tls,
  });
}

function readCaBundle(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`DSPM_CA_BUNDLE cannot be read (${path}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`DSPM_CA_BUNDLE (${path}) holds no PEM certificate`);
  }
  return pem;
}
