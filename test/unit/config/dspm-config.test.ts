import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readDspmConfig } from '#shared/config/dspm.ts';
import { ConfigError } from '#shared/errors.ts';

const base = { DSPM_TENANT_URL: 'https://example.goskope.com', DSPM_API_TOKEN: 'tok-secret-123' };

describe('readDspmConfig', () => {
  it('reads the defaults', () => {
    const config = readDspmConfig(base);
    expect(config).toMatchObject({
      tenant: { host: 'example.goskope.com', apiBase: 'https://example.goskope.com/api/v2/dspm/' },
      tokenSource: { kind: 'value' },
      rateLimitRps: 5,
      pageSize: 100,
      concurrency: 16,
      timeoutMs: 30_000,
      caBundlePath: undefined,
      allowAnyHost: false,
    });
  });

  it('never shows the token when the config is printed', () => {
    const config = readDspmConfig(base);
    expect(JSON.stringify(config)).not.toContain('tok-secret-123');
    expect(inspect(config, { depth: 10 })).not.toContain('tok-secret-123');
    expect(`${config.tokenSource.kind === 'value' ? config.tokenSource.token : ''}`).toBe('[redacted]');
  });

  it('takes a Secrets Manager secret id instead of a token', () => {
    const config = readDspmConfig({
      DSPM_TENANT_URL: base.DSPM_TENANT_URL,
      DSPM_API_TOKEN_SECRET_ID: 'dspm/token',
    });
    expect(config.tokenSource).toEqual({ kind: 'secrets-manager', secretId: 'dspm/token' });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no tenant', { DSPM_API_TOKEN: 'x' }, /DSPM_TENANT_URL is not set/],
    [
      'no token',
      { DSPM_TENANT_URL: base.DSPM_TENANT_URL },
      /set DSPM_API_TOKEN .* or DSPM_API_TOKEN_SECRET_ID/,
    ],
    ['both token sources', { ...base, DSPM_API_TOKEN_SECRET_ID: 's' }, /not both/],
    ['a blank token', { ...base, DSPM_API_TOKEN: '   ' }, /set DSPM_API_TOKEN/],
    [
      'a word for a rate',
      { ...base, DSPM_RATE_LIMIT_RPS: 'fast' },
      /DSPM_RATE_LIMIT_RPS must be a number, got "fast"/,
    ],
    [
      'a zero rate',
      { ...base, DSPM_RATE_LIMIT_RPS: '0' },
      /DSPM_RATE_LIMIT_RPS must be between 0.1 and 1000/,
    ],
    ['a fractional page size', { ...base, DSPM_PAGE_SIZE: '10.5' }, /DSPM_PAGE_SIZE must be a whole number/],
    [
      'a page size over the cap',
      { ...base, DSPM_PAGE_SIZE: '5000' },
      /DSPM_PAGE_SIZE must be between 1 and 1000/,
    ],
    [
      'a yes for a boolean',
      { ...base, DSPM_ALLOW_ANY_HOST: 'yes' },
      /DSPM_ALLOW_ANY_HOST must be true or false/,
    ],
    ['a plain-http tenant', { ...base, DSPM_TENANT_URL: 'http://example.goskope.com' }, /must use https/],
  ])('refuses %s, naming the variable', (_case, env, message) => {
    expect(() => readDspmConfig(env)).toThrow(ConfigError);
    expect(() => readDspmConfig(env)).toThrow(message);
  });

  it('lets the simulator through when any host is allowed', () => {
    const config = readDspmConfig({
      ...base,
      DSPM_TENANT_URL: 'http://127.0.0.1:4010',
      DSPM_ALLOW_ANY_HOST: 'TRUE',
      DSPM_PAGE_SIZE: ' 250 ',
    });
    expect(config.tenant.apiBase).toBe('http://127.0.0.1:4010/api/v2/dspm/');
    expect(config.pageSize).toBe(250);
  });
});
