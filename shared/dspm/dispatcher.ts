/**
 * The undici dispatcher the client talks through: proxy-aware (`HTTPS_PROXY`, `HTTP_PROXY`,
 * `NO_PROXY`, through undici's own `EnvHttpProxyAgent`) and trusting an extra CA bundle, because
 * many Netskope customers inspect TLS with their own certificate authority.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { ConfigError } from '../errors.ts';
import { EnvHttpProxyAgent } from './http-client.ts';

/** Options of `createDispatcher`. */
export interface DispatcherOptions {
  /** Path of a PEM file with extra CA certificates (`DSPM_CA_BUNDLE`), trusted besides the system's. */
  readonly caBundlePath?: string | undefined;
  /** Most connections to the tenant at once. */
  readonly connections?: number;
  /** Milliseconds to wait for a TCP and TLS connection. */
  readonly connectTimeoutMs?: number;
}

/**
 * Builds the dispatcher. Idle sockets are dropped after 4 s: a Lambda frozen between invocations
 * comes back to sockets the server has long closed, and a short keep-alive makes that rare (the
 * retry of idempotent calls on `ECONNRESET` covers the rest).
 *
 * @throws ConfigError when the CA bundle cannot be read or holds no certificate.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const tls = options.caBundlePath ? { ca: [...rootCertificates, readCaBundle(options.caBundlePath)] } : {};
  return new EnvHttpProxyAgent({
    connections: options.connections ?? 16,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
    connect: { timeout: options.connectTimeoutMs ?? 10_000, ...tls },
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
