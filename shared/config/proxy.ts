/**
 * The proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` and their lower-case forms), read
 * once with the rest of the configuration. They are checked here because undici fails on a bad one
 * with a bare `Invalid URL` that names no variable; here the error says which one and what it
 * should look like. A proxy URL may carry credentials: the URL is kept as a `Secret`, shown only
 * with its credentials replaced, and a bad value is only echoed when it has none.
 */
import { ConfigError } from '../errors.ts';
import { Secret } from '../secret.ts';
import { type Environment, optionalString } from './env.ts';

/** The proxy variables checked, in the order undici prefers them. */
export const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/** One proxy, and the variable it came from. */
export interface ProxySetting {
  /** The variable that set it (`https_proxy`, `HTTPS_PROXY`, ...). */
  readonly variable: string;
  /** The URL as given, credentials included: for the HTTP stack only. */
  readonly url: Secret;
  /** The URL with any credentials replaced by `***`: for messages. */
  readonly shown: string;
}

/** The proxy configuration of the process. */
export interface ProxySettings {
  /** For https URLs: `https_proxy`, else `HTTPS_PROXY`, else the http proxy (as undici and curl do). */
  readonly https: ProxySetting | undefined;
  /** For http URLs: `http_proxy`, else `HTTP_PROXY`. */
  readonly http: ProxySetting | undefined;
  /** `no_proxy`, else `NO_PROXY`: hosts reached directly. */
  readonly noProxy: { readonly variable: string; readonly value: string } | undefined;
}

/**
 * Checks every proxy variable that is set.
 * @throws ConfigError naming the first one that is not an http or https URL.
 */
function checkProxyVariables(env: Environment): void {
  for (const name of PROXY_VARIABLES) {
    const value = optionalString(env, name);
    if (value === undefined) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') continue;
    const shown = value.includes('@')
      ? '(value not shown: it may hold credentials)'
      : `"${value.slice(0, 100)}"`;
    throw new ConfigError(
      `${name} is not a proxy URL ${shown}; set it like http://proxy.example.com:3128, or unset it`,
    );
  }
}

/**
 * Reads the proxy variables, lower-case form first (undici's order, and curl's).
 * @throws ConfigError naming a variable that is not an http or https URL.
 */
export function readProxySettings(env: Environment): ProxySettings {
  checkProxyVariables(env);
  const http = proxyFrom(env, 'http_proxy') ?? proxyFrom(env, 'HTTP_PROXY');
  const https = proxyFrom(env, 'https_proxy') ?? proxyFrom(env, 'HTTPS_PROXY') ?? http;
  const noProxyVariable = ['no_proxy', 'NO_PROXY'].find((name) => optionalString(env, name) !== undefined);
  const noProxy = noProxyVariable
    ? { variable: noProxyVariable, value: optionalString(env, noProxyVariable) as string }
    : undefined;
  return { https, http, noProxy };
}

function proxyFrom(env: Environment, variable: string): ProxySetting | undefined {
  const value = optionalString(env, variable);
  if (value === undefined) return undefined;
  return { variable, url: new Secret(value), shown: redactProxyUrl(value) };
}

/** The proxy URL as it may be shown: scheme, `***@` where credentials were, host and port. */
export function redactProxyUrl(value: string): string {
  const url = new URL(value);
  const credentials = url.username !== '' || url.password !== '' ? '***@' : '';
  return `${url.protocol}//${credentials}${url.host}`;
}
