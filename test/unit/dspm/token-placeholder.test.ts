import { describe, expect, it } from 'vitest';
import {
  isTokenPlaceholder,
  TOKEN_PLACEHOLDER_GENERATION,
  TokenNotSetError,
} from '#shared/dspm/token-placeholder.ts';
import { parseSecretString } from '#shared/dspm/token-provider.ts';
import { ConfigError } from '#shared/errors.ts';

const generated = JSON.stringify({
  ...(JSON.parse(TOKEN_PLACEHOLDER_GENERATION.secretStringTemplate) as object),
  filler: 'Zx81kQ0pLm3vB7tN',
});

describe('the token placeholder', () => {
  it.each([
    ['the generated placeholder', generated, true],
    ['the placeholder with whitespace around it', `\n ${generated} \n`, true],
    ['a bare token', 'a1b2c3d4e5', false],
    ['a token in JSON', '{"token":"a1b2c3d4e5"}', false],
    ['text that only starts like JSON', '{not json', false],
    ['a JSON string', '"dspmBridgeTokenNotSet"', false],
  ])('recognises %s: %s', (_case, text, expected) => {
    expect(isTokenPlaceholder(text)).toBe(expected);
  });

  it('is generated exactly as deployed stacks generated it (a change would replace their secrets)', () => {
    expect(TOKEN_PLACEHOLDER_GENERATION).toEqual({
      secretStringTemplate:
        '{"dspmBridgeTokenNotSet":"Replace this value with the Netskope REST API v2 token (plain, or {\\"token\\": \\"...\\"})"}',
      generateStringKey: 'filler',
      excludePunctuation: true,
      passwordLength: 16,
    });
  });

  it('makes parseSecretString throw TokenNotSetError naming the secret and the command that sets it', () => {
    // Act
    const attempt = () =>
      parseSecretString(generated, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbC');
    // Assert
    expect(attempt).toThrow(TokenNotSetError);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbC still holds the placeholder the stack generated; set it with: aws secretsmanager put-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbC --secret-string \'{"token":"<token>"}\'',
    );
  });

  it('keeps the filler out of the error', () => {
    let message = '';
    try {
      parseSecretString(generated, 's');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('placeholder');
    expect(message).not.toContain('Zx81kQ0pLm3vB7tN');
  });
});
