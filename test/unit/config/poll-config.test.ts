import { describe, expect, it } from 'vitest';
import { readPollerConfig } from '#shared/config/poll.ts';
import { readPublishingConfig } from '#shared/config/publishing.ts';
import { ConfigError } from '#shared/errors.ts';
import { DEFAULT_WATCHED_FIELDS } from '#shared/risk/watched-fields.ts';

/** The poller's configuration as its runtime reads it: where events go, then its own settings. */
const readPoller = (env: Record<string, string>) =>
  readPollerConfig(env, readPublishingConfig(env, { test: false }));

describe('readPollerConfig', () => {
  it('defaults to every field, default bands, the netskope.dspm source', () => {
    expect(readPublishingConfig({}, { test: false })).toEqual({
      eventBusName: undefined,
      stateTableName: undefined,
      source: 'netskope.dspm',
      test: false,
    });
    expect(readPoller({})).toEqual({
      settings: {
        source: 'netskope.dspm',
        test: false,
        watchedFields: DEFAULT_WATCHED_FIELDS,
        minimumDeltas: {},
        bands: { low: 25, medium: 50, high: 75 },
        findings: {
          'high-risk': 'level',
          'public-access': 'high',
          'encryption-off': 'medium',
          'backup-off': 'medium',
          unprotected: 'medium',
        },
        emitBaselineEvents: false,
        leaseTtlMs: 60_000,
      },
    });
  });

  it('reads every variable', () => {
    const env = {
      EVENT_BUS_NAME: 'dspm',
      STATE_TABLE_NAME: 'state',
      EVENT_SOURCE: 'acme.dspm',
      RISK_WATCHED_FIELDS: 'encryption, data_store_risk_rating',
      RISK_MIN_DELTAS: 'sensitive_record_count=100, data_store_risk_rating=5',
      RISK_BANDS: '20,40,80',
      EVENT_TEST_MODE: 'true',
      POLL_EMIT_BASELINE_EVENTS: 'true',
      POLL_LEASE_TTL_SECONDS: '600',
      FINDING_SEVERITIES: 'public-access=critical, backup-off=off, high-risk=off',
    };
    expect(readPublishingConfig(env, { test: false })).toMatchObject({
      eventBusName: 'dspm',
      stateTableName: 'state',
    });
    expect(readPoller(env)).toEqual({
      settings: {
        source: 'acme.dspm',
        test: true,
        watchedFields: ['encryption', 'data_store_risk_rating'],
        minimumDeltas: { sensitive_record_count: 100, data_store_risk_rating: 5 },
        bands: { low: 20, medium: 40, high: 80 },
        findings: {
          'high-risk': 'off',
          'public-access': 'critical',
          'encryption-off': 'medium',
          'backup-off': 'off',
          unprotected: 'medium',
        },
        emitBaselineEvents: true,
        leaseTtlMs: 600_000,
      },
    });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'an unknown watched field',
      { RISK_WATCHED_FIELDS: 'encryption,colour' },
      /RISK_WATCHED_FIELDS .* colour/,
    ],
    ['an empty watched list', { RISK_WATCHED_FIELDS: ' , ' }, /RISK_WATCHED_FIELDS is empty/],
    ['a delta on a toggle', { RISK_MIN_DELTAS: 'encryption=1' }, /"encryption" is not numeric/],
    ['a negative delta', { RISK_MIN_DELTAS: 'stale_user_count=-3' }, /needs a non-negative number/],
    ['a delta without a value', { RISK_MIN_DELTAS: 'stale_user_count' }, /is not field=number/],
    ['two bands', { RISK_BANDS: '10,20' }, /three numbers/],
    ['bands going down', { RISK_BANDS: '50,40,90' }, /RISK_BANDS: .*must increase/],
    [
      'an unknown condition',
      { FINDING_SEVERITIES: 'public=high' },
      /FINDING_SEVERITIES: unknown condition "public"/,
    ],
    [
      'a made-up severity',
      { FINDING_SEVERITIES: 'backup-off=urgent' },
      /"backup-off" takes one of low, medium, high, critical, off, got "urgent"/,
    ],
    [
      'a fixed high-risk severity',
      { FINDING_SEVERITIES: 'high-risk=low' },
      /"high-risk" takes one of level, off/,
    ],
    [
      'an entry without a value',
      { FINDING_SEVERITIES: 'backup-off' },
      /FINDING_SEVERITIES: entry "backup-off" is not condition=severity/,
    ],
    ['a short lease', { POLL_LEASE_TTL_SECONDS: '5' }, /POLL_LEASE_TTL_SECONDS must be between 60/],
  ])('refuses %s, naming the variable', (_case, env, message) => {
    expect(() => readPoller(env)).toThrow(ConfigError);
    expect(() => readPoller(env)).toThrow(message);
  });

  it('reads POLL_CHUNK_SECONDS as the longest a workflow chunk lists, unset by default', () => {
    expect(readPoller({}).chunkBudgetMs).toBeUndefined();
    expect(readPoller({ POLL_CHUNK_SECONDS: '0' }).chunkBudgetMs).toBe(0);
    expect(readPoller({ POLL_CHUNK_SECONDS: '120' }).chunkBudgetMs).toBe(120_000);
    expect(() => readPoller({ POLL_CHUNK_SECONDS: '901' })).toThrow(
      'POLL_CHUNK_SECONDS must be between 0 and 900, got 901',
    );
  });
});
