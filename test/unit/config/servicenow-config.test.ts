import { describe, expect, it } from 'vitest';
import { readServiceNowConfig } from '#shared/config/servicenow.ts';
import { readServiceNowSyncConfig } from '#shared/config/servicenow-sync.ts';
import { readSlackSettings } from '#shared/config/slack.ts';
import { ConfigError } from '#shared/errors.ts';

const CONNECTION = {
  SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com/now/nav/ui',
  SERVICENOW_CREDENTIALS_SECRET_ID: 'dspm-bridge/servicenow',
  SERVICENOW_PROGRESS_TABLE: 'progress',
};
const SYNC = {
  ...CONNECTION,
  SERVICENOW_SYNC_CLOSE_CODES: JSON.stringify({ 'Risk Accepted': { reason: 'risk-accepted', days: 90 } }),
};

const readers = [
  ['the follower', (env: Record<string, string>) => readServiceNowConfig({ ...CONNECTION, ...env })],
  ['the decision sync', (env: Record<string, string>) => readServiceNowSyncConfig({ ...SYNC, ...env })],
] as const;

describe.each(readers)('%s reads the ServiceNow connection', (_name, read) => {
  it('keeps the instance origin only and defaults to the incident table', () => {
    const config = read({});
    expect(config.instanceUrl).toBe('https://acme.service-now.com');
    expect(config.profile.table).toBe('incident');
    expect(config.credentialsSecretId).toBe('dspm-bridge/servicenow');
    expect(config.progressTable).toBe('progress');
  });

  it('takes the security incident table', () => {
    expect(read({ SERVICENOW_TABLE: 'sn_si_incident' }).profile.table).toBe('sn_si_incident');
  });

  it.each([
    [{ SERVICENOW_INSTANCE_URL: '' }, 'SERVICENOW_INSTANCE_URL is not set'],
    [{ SERVICENOW_INSTANCE_URL: 'acme' }, 'SERVICENOW_INSTANCE_URL is not a URL: "acme"'],
    [{ SERVICENOW_INSTANCE_URL: 'http://acme.service-now.com' }, 'SERVICENOW_INSTANCE_URL must be https'],
    [{ SERVICENOW_TABLE: 'Incident;drop' }, 'SERVICENOW_TABLE is not a table name: "Incident;drop"'],
    [{ SERVICENOW_CREDENTIALS_SECRET_ID: ' ' }, 'SERVICENOW_CREDENTIALS_SECRET_ID is not set'],
    [{ SERVICENOW_PROGRESS_TABLE: '' }, 'SERVICENOW_PROGRESS_TABLE is not set'],
  ])('refuses %o: %s', (env, message) => {
    expect(() => read(env)).toThrow(new ConfigError(message));
  });
});

describe('readServiceNowConfig', () => {
  it('takes the close codes from the table profile unless set', () => {
    const config = readServiceNowConfig(CONNECTION);
    expect(config.closeCode).toBe(config.profile.clearedCloseCode);
    expect(readServiceNowConfig({ ...CONNECTION, SERVICENOW_CLOSE_CODE: 'Fixed' }).closeCode).toBe('Fixed');
  });

  it('names the severities it accepts', () => {
    expect(() => readServiceNowConfig({ ...CONNECTION, SERVICENOW_CREATE_MIN_SEVERITY: 'urgent' })).toThrow(
      /SERVICENOW_CREATE_MIN_SEVERITY must be one of .*critical.*, got "urgent"/,
    );
  });
});

describe('readServiceNowSyncConfig', () => {
  it('needs the close codes that mean a decision', () => {
    expect(() => readServiceNowSyncConfig(CONNECTION)).toThrow(
      new ConfigError('SERVICENOW_SYNC_CLOSE_CODES is not set'),
    );
  });
});

describe('readSlackSettings', () => {
  it('needs the channel and the token secret', () => {
    expect(() => readSlackSettings({ SLACK_TOKEN_SECRET_ID: 'slack' })).toThrow(
      new ConfigError('SLACK_CHANNEL is not set'),
    );
    expect(() => readSlackSettings({ SLACK_CHANNEL: '#security' })).toThrow(
      new ConfigError('SLACK_TOKEN_SECRET_ID is not set'),
    );
  });
});
