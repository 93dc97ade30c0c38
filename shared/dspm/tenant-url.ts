/**
 * Tenant URL validation. The token is sent to whatever host this returns, so only Netskope's own
 * domains over https pass, unless a local run (simulator, tests) explicitly allows any host.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../errors.ts';
import { suggestNetskopeHost } from './host-suggestion.ts';

/** Domains Netskope serves tenants from. */
export const NETSKOPE_TENANT_DOMAINS = ['goskope.com', 'netskope.com', 'boomskope.com'] as const;

/** The DSPM API base path below the tenant origin. */
export const DSPM_API_BASE_PATH = '/api/v2/dspm/';

/** A validated tenant. */
export interface Tenant {
  /** The tenant host, e.g. `example.goskope.com` (also the tenant's name in events). */
  readonly host: string;
  /** The origin, e.g. `https://example.goskope.com`. */
  readonly origin: string;
  /** The API base, e.g. `https://example.goskope.com/api/v2/dspm/`. */
  readonly apiBase: string;
}

/**
 * Parses and checks a tenant URL (`https://<tenant>.goskope.com`, optionally with the API base
 * path). Refuses plain http, IP literals, credentials in the URL, query strings and hosts outside
 * Netskope's domains, unless `allowAnyHost` is set.
 *
 * @throws ConfigError naming `DSPM_TENANT_URL` and what is wrong.
 */
export function parseTenantUrl(
  raw: string,
  options: {
    allowAnyHost?: boolean;
    /** How this caller's user lets a non-Netskope host through (default `DSPM_ALLOW_ANY_HOST=true`). */
    anyHostSwitch?: string;
  } = {},
): Tenant {
  const fail = (why: string): never => {
    throw new ConfigError(`DSPM_TENANT_URL ${why}`);
  };
  const trimmed = raw.trim();
  if (trimmed === '') fail('is empty; expected https://<tenant>.goskope.com');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return fail(`is not a URL: "${trimmed.slice(0, 200)}"; expected https://<tenant>.goskope.com`);
  }
  if (options.allowAnyHost ? !['https:', 'http:'].includes(url.protocol) : url.protocol !== 'https:') {
    fail(
      `must use ${options.allowAnyHost ? 'http or https' : 'https'}, not ${url.protocol.replace(':', '')}`,
    );
  }
  if (url.username || url.password) fail('must not contain credentials');
  if (url.search || url.hash) fail('must not contain a query string or fragment');
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && `${path}/` !== DSPM_API_BASE_PATH) {
    fail(
      `has an unexpected path "${url.pathname}"; give the tenant origin, e.g. https://<tenant>.goskope.com`,
    );
  }
  const host = url.hostname.toLowerCase();
  if (!options.allowAnyHost) {
    if (isIP(host.replace(/^\[|\]$/g, '')) !== 0)
      fail(`must name a Netskope host, not an IP address (${host})`);
    if (!isNetskopeHost(host)) {
      const expected = `host "${host}" is not a Netskope tenant (expected *.${NETSKOPE_TENANT_DOMAINS.join(', *.')})`;
      const suggestion = suggestNetskopeHost(host, NETSKOPE_TENANT_DOMAINS);
      // A near miss gets the likely host, never the switch that would send the token to the typo's owner.
      fail(
        suggestion
          ? `${expected}; did you mean https://${suggestion}?`
          : `${expected}; set ${options.anyHostSwitch ?? 'DSPM_ALLOW_ANY_HOST=true'} only for local testing`,
      );
    }
    if (url.port !== '') fail(`must not name a port (${url.port})`);
  }
  return { host: url.host.toLowerCase(), origin: url.origin, apiBase: `${url.origin}${DSPM_API_BASE_PATH}` };
}

/** True for `<something>.goskope.com` and the other Netskope tenant domains (not the bare domain). */
export function isNetskopeHost(host: string): boolean {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return NETSKOPE_TENANT_DOMAINS.some(
    (domain) => lower.endsWith(`.${domain}`) && lower.length > domain.length + 1 && !lower.startsWith('.'),
  );
}
