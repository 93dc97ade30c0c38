/**
 * The proxy variables (`HTTPS_PROXY`, `HTTP_PROXY` and their lower-case forms), checked when the
 * configuration is read. undici's `EnvHttpProxyAgent` reads them itself and fails with a bare
 * `Invalid URL` that names no variable; checked here, the error says which one and what it should
 * look like. A proxy URL may carry credentials, so a bad value is only echoed when it has none.
 */
import { ConfigError } from '../errors.ts';
import { type Environment, optionalString } from './env.ts';

/** The variables checked, in the order undici prefers them. */
export const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/**
 * Checks every proxy variable that is set.
 * @throws ConfigError naming the first one that is not an http or https URL.
 */
export function checkProxyVariables(env: Environment): void {
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
