/**
 * The poller's tenant list: `DSPM_TENANTS`, or the single `DSPM_TENANT_URL` as a list of one, and
 * the per-host cache of tenant adapters the Lambda keeps warm.
 */
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '#shared/aws/clients.ts';
import { readTenantConfigs } from '#shared/config/tenants.ts';
import { ConfigError } from '#shared/errors.ts';
import { silentLogger } from '#shared/logger.ts';
import { createPollerRuntime, UnknownTenantError } from '#shared/roots/poller-runtime.ts';

const TWO_TENANTS = JSON.stringify([
  { url: 'https://acme.goskope.com', tokenSecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:acme' },
  { url: 'https://beta.netskope.com', tokenSecretId: 'beta-token', rateLimitRps: 9 },
]);
const shared = { EVENT_BUS_NAME: 'dspm-bridge', STATE_TABLE_NAME: 'dspm-bridge-state' };
const options = { aws: createAwsClients(), logger: silentLogger };

describe('the tenants the poller polls', () => {
  it('reads DSPM_TENANTS in order, each with its own secret and pace over the shared settings', () => {
    const configs = readTenantConfigs({
      DSPM_TENANTS: TWO_TENANTS,
      DSPM_RATE_LIMIT_RPS: '3',
      DSPM_PAGE_SIZE: '50',
    });
    expect(configs.map((c) => [c.tenant.host, c.tokenSource, c.rateLimitRps, c.pageSize])).toEqual([
      [
        'acme.goskope.com',
        { kind: 'secrets-manager', secretId: 'arn:aws:secretsmanager:us-east-1:1:secret:acme' },
        3,
        50,
      ],
      ['beta.netskope.com', { kind: 'secrets-manager', secretId: 'beta-token' }, 9, 50],
    ]);
  });

  it('reads the single-tenant variables as a list of one', () => {
    const configs = readTenantConfigs({ DSPM_TENANT_URL: 'https://acme.goskope.com', DSPM_API_TOKEN: 't' });
    expect(configs.map((c) => c.tenant.host)).toEqual(['acme.goskope.com']);
  });

  it.each([
    [
      'a host listed twice',
      [
        { url: 'https://acme.goskope.com', tokenSecretId: 'a' },
        { url: 'https://ACME.goskope.com', tokenSecretId: 'b' },
      ],
      /DSPM_TENANTS lists acme\.goskope\.com more than once/,
    ],
    ['an entry without a secret', [{ url: 'https://acme.goskope.com' }], /DSPM_TENANTS\[0\]\.tokenSecretId/],
    [
      'a host outside Netskope',
      [{ url: 'https://acme.example.com', tokenSecretId: 'a' }],
      /DSPM_TENANTS\[0\]\.url host "acme\.example\.com" is not a Netskope tenant/,
    ],
    ['an empty list', [], /DSPM_TENANTS: must list at least one tenant/],
    [
      'an unknown key',
      [{ url: 'https://acme.goskope.com', tokenSecretId: 'a', token: 'x' }],
      /DSPM_TENANTS\[0\]/,
    ],
  ])('refuses %s, naming it', (_case, list, message) => {
    expect(() => readTenantConfigs({ DSPM_TENANTS: JSON.stringify(list) })).toThrow(message);
  });

  it('refuses text that is not JSON, and DSPM_TENANTS beside DSPM_TENANT_URL', () => {
    expect(() => readTenantConfigs({ DSPM_TENANTS: '[{url:' })).toThrow(/DSPM_TENANTS is not JSON/);
    expect(() =>
      readTenantConfigs({ DSPM_TENANTS: TWO_TENANTS, DSPM_TENANT_URL: 'https://acme.goskope.com' }),
    ).toThrow(/DSPM_TENANTS is set, and so is DSPM_TENANT_URL/);
  });

  it('builds each tenant once, on first use, with its own client; the runtime fields are the first tenant', () => {
    const runtime = createPollerRuntime({ ...shared, DSPM_TENANTS: TWO_TENANTS }, options);
    expect(runtime.tenants.hosts).toEqual(['acme.goskope.com', 'beta.netskope.com']);
    expect(runtime.dspmConfig.tenant.host).toBe('acme.goskope.com');
    expect(runtime.tenants.get('acme.goskope.com').dspm).toBe(runtime.dspm);
    const beta = runtime.tenants.get('beta.netskope.com');
    expect(beta.dspm).not.toBe(runtime.dspm);
    expect(beta.tokens).not.toBe(runtime.tokens);
    expect(runtime.tenants.get('BETA.netskope.com')).toBe(beta);
  });

  it('names the configured hosts when asked for another', () => {
    const runtime = createPollerRuntime({ ...shared, DSPM_TENANTS: TWO_TENANTS }, options);
    expect(() => runtime.tenants.get('gamma.goskope.com')).toThrow(UnknownTenantError);
    expect(() => runtime.tenants.get('gamma.goskope.com')).toThrow(
      'tenant "gamma.goskope.com" is not configured for this poller; configured: acme.goskope.com, beta.netskope.com (DSPM_TENANTS)',
    );
    expect(new UnknownTenantError('x')).toBeInstanceOf(ConfigError);
  });
});
