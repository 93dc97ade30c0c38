import { describe, expect, it } from 'vitest';
import { parseTenantUrl } from '#shared/dspm/tenant-url.ts';
import { ConfigError } from '#shared/errors.ts';

describe('parseTenantUrl', () => {
  it.each([
    ['https://example.goskope.com', 'example.goskope.com'],
    ['https://example.goskope.com/', 'example.goskope.com'],
    ['https://Example.GOSKOPE.com/api/v2/dspm/', 'example.goskope.com'],
    ['https://eu.tenant.netskope.com', 'eu.tenant.netskope.com'],
    ['  https://qa.boomskope.com  ', 'qa.boomskope.com'],
  ])('accepts %s', (raw, host) => {
    const tenant = parseTenantUrl(raw);
    expect(tenant.host).toBe(host);
    expect(tenant.apiBase).toBe(`https://${host}/api/v2/dspm/`);
  });

  it.each([
    ['', /is empty/],
    ['example.goskope.com', /is not a URL/],
    ['http://example.goskope.com', /must use https/],
    ['https://goskope.com', /not a Netskope tenant/],
    ['https://example.goskope.com.evil.io', /not a Netskope tenant/],
    ['https://examplegoskope.com', /not a Netskope tenant/],
    ['https://203.0.113.7', /not an IP address/],
    ['https://[::1]', /not an IP address/],
    ['https://user:pass@example.goskope.com', /credentials/],
    ['https://example.goskope.com/?x=1', /query string/],
    ['https://example.goskope.com/other/path', /unexpected path/],
    ['https://example.goskope.com:8443', /port/],
    ['ftp://example.goskope.com', /must use https/],
  ])('refuses "%s"', (raw, reason) => {
    expect(() => parseTenantUrl(raw)).toThrow(ConfigError);
    expect(() => parseTenantUrl(raw)).toThrow(reason);
  });

  it('lets a loopback http URL through only when any host is allowed', () => {
    expect(() => parseTenantUrl('http://127.0.0.1:4010')).toThrow(/https/);
    expect(parseTenantUrl('http://127.0.0.1:4010', { allowAnyHost: true })).toEqual({
      host: '127.0.0.1:4010',
      origin: 'http://127.0.0.1:4010',
      apiBase: 'http://127.0.0.1:4010/api/v2/dspm/',
    });
  });

  it('still refuses other schemes when any host is allowed', () => {
    expect(() => parseTenantUrl('file:///etc/passwd', { allowAnyHost: true })).toThrow(/http or https/);
  });
});

describe('a tenant URL that is not a Netskope host', () => {
  it.each([
    ['https://acme.goskpe.com', 'https://acme.goskope.com'],
    ['https://acme.goskope.co', 'https://acme.goskope.com'],
    ['https://acme.gosokpe.com', 'https://acme.goskope.com'],
    ['https://eu.acme.netskpoe.com', 'https://eu.acme.netskope.com'],
    ['https://examplegoskope.com', 'https://example.goskope.com'],
    ['https://example.goskope.com.evil.io', 'https://example.goskope.com'],
    ['https://goskope.com', 'https://<tenant>.goskope.com'],
  ])('%s: suggests %s and never the switch that allows any host', (raw, suggestion) => {
    expect(() => parseTenantUrl(raw)).toThrow(`did you mean ${suggestion}?`);
    expect(() => parseTenantUrl(raw)).not.toThrow(/ALLOW_ANY_HOST/);
  });

  it('names the switch for a host nowhere near Netskope, in the words of the caller', () => {
    expect(() => parseTenantUrl('https://dspm.example.com')).toThrow(
      /not a Netskope tenant .*; set DSPM_ALLOW_ANY_HOST=true only for local testing$/,
    );
    expect(() =>
      parseTenantUrl('https://dspm.example.com', { anyHostSwitch: 'dspm-bridge.allowAnyHost: true' }),
    ).toThrow(/; set dspm-bridge.allowAnyHost: true only for local testing$/);
  });
});
