/**
 * The Security Hub export's environment, read once at cold start: the product ARN findings are
 * imported to (which names the account and region) and the dead-letter queue for events that are
 * not findings.
 */
import { type Environment, optionalString } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import type { SecurityHubTarget } from './asff.ts';

/** The export's settings. */
export interface ExportSettings {
  readonly productArn: string;
  readonly target: SecurityHubTarget;
  readonly deadLetterQueueUrl: string | undefined;
}

const PRODUCT_ARN = /^arn:(aws[a-z-]*):securityhub:([a-z0-9-]+):(\d{12}):product\/(\d{12})\/default$/;

/**
 * Reads `SECURITY_HUB_PRODUCT_ARN` and `DEAD_LETTER_QUEUE_URL`.
 * @throws ConfigError naming the variable when the ARN is missing or not the account's own default product.
 */
export function readExportSettings(env: Environment): ExportSettings {
  const productArn = optionalString(env, 'SECURITY_HUB_PRODUCT_ARN');
  if (!productArn) throw new ConfigError('SECURITY_HUB_PRODUCT_ARN is not set');
  const match = PRODUCT_ARN.exec(productArn);
  if (!match || match[3] !== match[4]) {
    throw new ConfigError(
      `SECURITY_HUB_PRODUCT_ARN must be arn:<partition>:securityhub:<region>:<account>:product/<account>/default, got "${productArn.slice(0, 128)}"`,
    );
  }
  const [, partition = 'aws', region = '', accountId = ''] = match;
  return {
    productArn,
    target: { partition, region, accountId },
    deadLetterQueueUrl: optionalString(env, 'DEAD_LETTER_QUEUE_URL'),
  };
}
