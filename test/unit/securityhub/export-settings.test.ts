/**
 * The export's environment: the product ARN must be the account's own default product, and an
 * error names the variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '#shared/errors.ts';
import { readExportSettings } from '#shared/securityhub/export-settings.ts';

describe('readExportSettings', () => {
  it('reads the account, region and partition from the product ARN', () => {
    const settings = readExportSettings({
      SECURITY_HUB_PRODUCT_ARN:
        'arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-gov-west-1.amazonaws.com/123456789012/dlq',
    });
    expect(settings.target).toEqual({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      accountId: '123456789012',
    });
    expect(settings.deadLetterQueueUrl).toBe('https://sqs.us-gov-west-1.amazonaws.com/123456789012/dlq');
  });

  it.each([
    [{}, 'SECURITY_HUB_PRODUCT_ARN is not set'],
    [{ SECURITY_HUB_PRODUCT_ARN: '  ' }, 'SECURITY_HUB_PRODUCT_ARN is not set'],
    [
      { SECURITY_HUB_PRODUCT_ARN: 'arn:aws:securityhub:us-east-1:123456789012:product/210987654321/default' },
      'SECURITY_HUB_PRODUCT_ARN must be arn:<partition>:securityhub:<region>:<account>:product/<account>/default',
    ],
    [
      { SECURITY_HUB_PRODUCT_ARN: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' },
      'SECURITY_HUB_PRODUCT_ARN must be',
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => readExportSettings(env)).toThrow(ConfigError);
    expect(() => readExportSettings(env)).toThrow(message);
  });
});
