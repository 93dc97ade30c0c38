/**
 * One error root: every error the HTTP clients raise (DSPM, ServiceNow, Slack, the DSPM pacer)
 * is a `BridgeError`, says whether trying again later can help, and keeps its class name as its
 * `name` (the poll workflow's Retry and Catch rules match those names).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MalformedRecordError } from '#shared/aws/sqs-intake.ts';
import {
  DspmAuthError,
  DspmBadRequestError,
  DspmConflictError,
  DspmConnectionError,
  DspmError,
  DspmInvalidResponseError,
  DspmNotFoundError,
  DspmPermissionError,
  DspmRateLimitError,
  DspmServerError,
  DspmTimeBudgetError,
} from '#shared/dspm/errors.ts';
import { PacingDeadlineError } from '#shared/dspm/rate-limiter.ts';
import { BridgeError, ConfigError, TransientError } from '#shared/errors.ts';
import { ServiceNowError } from '#shared/servicenow/errors.ts';
import { SlackRateLimitedError, SlackRefusedError, SlackUnavailableError } from '#shared/slack/errors.ts';

const at = { method: 'GET', path: 'data_tags' };
const snow = (status: number) =>
  new ServiceNowError('x', { status, method: 'GET', path: '/api/now/table/incident' });

describe('the bridge’s one error root', () => {
  it.each<[BridgeError, string, boolean]>([
    [new ConfigError('x'), 'ConfigError', false],
    [new TransientError('x'), 'TransientError', true],
    [new DspmError('x', at), 'DspmError', false],
    [new DspmAuthError('x', { ...at, status: 401 }), 'DspmAuthError', false],
    [new DspmPermissionError('x', { ...at, status: 403 }), 'DspmPermissionError', false],
    [new DspmNotFoundError('x', { ...at, status: 404 }), 'DspmNotFoundError', false],
    [new DspmConflictError('x', { ...at, status: 409 }), 'DspmConflictError', false],
    [new DspmBadRequestError('x', { ...at, status: 422 }), 'DspmBadRequestError', false],
    [new DspmTimeBudgetError('x', at), 'DspmTimeBudgetError', true],
    [new DspmRateLimitError('x', { ...at, status: 429 }), 'DspmRateLimitError', true],
    [new DspmServerError('x', { ...at, status: 503 }), 'DspmServerError', true],
    [new DspmConnectionError('x', { ...at, code: 'ECONNRESET' }), 'DspmConnectionError', true],
    [new DspmConnectionError('x', { ...at, untrustedCertificate: true }), 'DspmConnectionError', false],
    [new DspmConnectionError('x', { ...at, proxyStatus: 407 }), 'DspmConnectionError', false],
    [new DspmConnectionError('x', { ...at, proxyStatus: 502 }), 'DspmConnectionError', true],
    [new DspmInvalidResponseError('x', { ...at, malformed: true }), 'DspmInvalidResponseError', true],
    [new DspmInvalidResponseError('x', at), 'DspmInvalidResponseError', false],
    [new PacingDeadlineError(3000, 1000), 'PacingDeadlineError', true],
    [snow(0), 'ServiceNowError', true],
    [snow(429), 'ServiceNowError', true],
    [snow(503), 'ServiceNowError', true],
    [snow(400), 'ServiceNowError', false],
    [snow(401), 'ServiceNowError', false],
    [new SlackRefusedError('channel_not_found', '#risk'), 'SlackRefusedError', false],
    [new SlackRateLimitedError(1000, '#risk'), 'SlackRateLimitedError', true],
    [new SlackUnavailableError('x'), 'SlackUnavailableError', true],
    [new MalformedRecordError('m-1', 'not a finding event: id: required'), 'MalformedRecordError', false],
  ])('%s is a BridgeError named %s, retryable: %s', (error, name, retryable) => {
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.retryable).toBe(retryable);
  });

  it('is the only error class in shared/ that extends a plain Error', () => {
    const shared = fileURLToPath(new URL('../../../shared/', import.meta.url));
    const offenders = readdirSync(shared, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /class \w+ extends Error\b/.test(readFileSync(join(shared, file), 'utf8')));
    expect(offenders).toEqual(['errors.ts']);
  });
});
