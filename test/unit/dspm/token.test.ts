import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseSecretString, staticTokenProvider } from '#shared/dspm/token-provider.ts';
import { ConfigError } from '#shared/errors.ts';
import { Secret } from '#shared/secret.ts';

describe('Secret', () => {
  const secret = new Secret('s3cr3t-value');

  it.each([
    ['String()', () => String(secret)],
    ['a template literal', () => `${secret}`],
    ['JSON.stringify', () => JSON.stringify({ secret })],
    ['util.inspect', () => inspect({ nested: { secret } }, { depth: 10, showHidden: true })],
  ])('never shows its value through %s', (_how, render) => {
    expect(render()).not.toContain('s3cr3t-value');
    expect(render()).toContain('[redacted]');
  });

  it('gives its value only when asked to reveal it', () => {
    expect(secret.reveal()).toBe('s3cr3t-value');
    expect(secret.equals(new Secret('s3cr3t-value'))).toBe(true);
  });
});

describe('parseSecretString', () => {
  it.each([
    ['a bare token', 'abc123', 'abc123'],
    ['a bare token with a newline', 'abc123\n', 'abc123'],
    ['JSON with a token field', '{"token": "abc123", "note": "rotated"}', 'abc123'],
  ])('reads %s', (_case, text, token) => {
    expect(parseSecretString(text, 'dspm/token').reveal()).toBe(token);
  });

  it.each([
    ['empty text', '  ', /secret dspm\/token is empty/],
    ['broken JSON', '{"token": ', /not valid JSON/],
    ['JSON without a token', '{"apikey": "abc"}', /without a string "token" field/],
    ['control characters', 'abc\u0007def', /control characters/],
  ])('refuses %s, naming the secret and not the value', (_case, text, message) => {
    expect(() => parseSecretString(text, 'dspm/token')).toThrow(ConfigError);
    expect(() => parseSecretString(text, 'dspm/token')).toThrow(message);
  });
});

describe('staticTokenProvider', () => {
  it('cannot refresh, so a 401 is final', async () => {
    const provider = staticTokenProvider('tok');
    expect(provider.refreshable).toBe(false);
    expect((await provider.refresh()).reveal()).toBe('tok');
  });
});
