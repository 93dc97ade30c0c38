/**
 * Bad input, generated: the backup-event normaliser and every DSPM response parser meet random
 * values, mutated fixtures, wrong types, deep nesting, huge bodies and prototype-pollution keys.
 * None may throw anything but its own error class, and every rejection names what was wrong. The
 * tenant URL check admits nothing outside the design's allowance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeBackupEvent } from '#shared/backup/normalize.ts';
import { BackupEventError } from '#shared/backup/observation.ts';
import { DspmInvalidResponseError } from '#shared/dspm/errors.ts';
import { parseResponse } from '#shared/dspm/parse.ts';
import {
  connectedDataStoreSchema,
  dataTagCategorySchema,
  dataTagSchema,
  infrastructureConnectionSchema,
  listPageSchema,
  platformSchema,
  serviceSchema,
} from '#shared/dspm/schemas.ts';
import { isNetskopeHost, parseTenantUrl } from '#shared/dspm/tenant-url.ts';
import { ConfigError } from '#shared/errors.ts';
import { loadFixture } from '../../helpers/fixtures.ts';

const SEED = 20_261_122;
const options = { acceptedSources: new Set(['com.veeam.backup']) };
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A JSON value with nested objects that may carry prototype-pollution keys. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...POLLUTING_KEYS)), tie('value'), { maxKeys: 5 }),
    fc.array(tie('value'), { maxLength: 5 }),
  ),
})).value;

/** Replaces the value at a random path of `base` with `replacement`. */
function mutate(base: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || typeof base !== 'object' || base === null) return replacement;
  const keys = Object.keys(base);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] ?? 0) % keys.length] as string;
  const copy: Record<string, unknown> = Array.isArray(base)
    ? ([...base] as never)
    : { ...(base as Record<string, unknown>) };
  copy[key] = mutate((base as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { next: value };
  return value;
}

describe('the backup-event normaliser', () => {
  const samples = [
    'backup-job-failed.json',
    'backup-job-completed.json',
    'recovery-point-state-change-completed.json',
  ].map((f) => loadFixture(`backup/aws/${f}`));
  const generic = {
    id: 'g',
    'detail-type': 'backup-protection-changed',
    source: 'com.veeam.backup',
    time: '2026-11-22T10:00:00Z',
    detail: { dataStoreId: 1, protected: false, reason: 'LAST_JOB_FAILED', system: 'veeam' },
  };

  const judge = (event: unknown) => {
    try {
      normalizeBackupEvent(event, options);
    } catch (error) {
      expect(error).toBeInstanceOf(BackupEventError);
      expect((error as BackupEventError).field.length).toBeGreaterThan(0);
      expect((error as Error).message).toMatch(/^[\w.()-]+: \S/);
    }
  };

  it('throws only a BackupEventError naming the field, for any value at all', () => {
    fc.assert(
      fc.property(hostileJson, (value) => judge(value)),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('throws only a BackupEventError naming the field, for mutated real events', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples, generic),
        fc.array(fc.nat(), { maxLength: 4 }),
        hostileJson,
        (base, path, replacement) => judge(mutate(base, path, replacement)),
      ),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('survives deep nesting and a huge body', () => {
    judge({ ...generic, detail: { ...generic.detail, extra: nested(5_000) } });
    judge({ ...generic, detail: { ...generic.detail, system: 'x'.repeat(5_000_000) } });
    judge(JSON.parse(`{"__proto__": {"polluted": true}, "id": 1}`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the DSPM response parsers', () => {
  const routes = [
    ['platforms', listPageSchema(platformSchema, 'results'), 'dspm/platforms.response.json'],
    [
      'connections',
      listPageSchema(infrastructureConnectionSchema, 'results'),
      'dspm/infrastructure-connections-aws.response.json',
    ],
    ['services', listPageSchema(serviceSchema, 'results'), 'dspm/services.response.json'],
    [
      'connected stores',
      listPageSchema(connectedDataStoreSchema, 'results'),
      'dspm/connected-data-stores.response.json',
    ],
    ['data tags', listPageSchema(dataTagSchema, 'data_tags'), 'dspm/data-tags.response.json'],
    ['new category', dataTagCategorySchema, 'dspm/create-data-tag-category.response.json'],
  ] as const;

  it.each(routes)(
    '%s: a mutated page is parsed or refused with an error naming route, field and request id',
    (_name, schema, fixture) => {
      const base = loadFixture(fixture);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 5 }), hostileJson, (path, replacement) => {
          const body = mutate(base, path, replacement);
          try {
            parseResponse(schema, { status: 200, body, requestId: 'fuzz-1', path: 'route?offset=0' }, 'GET');
          } catch (error) {
            expect(error).toBeInstanceOf(DspmInvalidResponseError);
            expect((error as Error).message).toMatch(
              /^GET route\?offset=0: unexpected response shape: \S.*\(x-request-id fuzz-1\)$/,
            );
          }
        }),
        { seed: SEED, numRuns: 300 },
      );
    },
  );

  it('refuses any value at all with its own error', () => {
    fc.assert(
      fc.property(hostileJson, (body) => {
        try {
          parseResponse(
            listPageSchema(connectedDataStoreSchema, 'results'),
            { status: 200, body, requestId: undefined, path: 'p' },
            'GET',
          );
        } catch (error) {
          expect(error).toBeInstanceOf(DspmInvalidResponseError);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('the tenant URL check', () => {
  const hosts = fc.oneof(
    fc.domain(),
    fc.ipV4(),
    fc.ipV6().map((ip) => `[${ip}]`),
    fc.domain().map((d) => `${d}.goskope.com`),
    fc.constantFrom(
      'goskope.com',
      'evil-goskope.com',
      'goskope.com.evil.io',
      'x.netskope.com',
      'a.b.boomskope.com',
      'localhost',
    ),
  );
  const urls = fc.record({
    scheme: fc.constantFrom('https', 'http', 'ftp', 'file', 'javascript'),
    userinfo: fc.constantFrom('', 'user:pass@', 'user@'),
    host: hosts,
    port: fc.constantFrom('', ':443', ':8443'),
    path: fc.constantFrom('', '/', '/api/v2/dspm/', '/other', '/?q=1', '#frag'),
  });

  it('admits only https URLs of Netskope tenants, with no credentials, port, query or other path', () => {
    fc.assert(
      fc.property(urls, ({ scheme, userinfo, host, port, path }) => {
        const raw = `${scheme}://${userinfo}${host}${port}${path}`;
        let tenant: ReturnType<typeof parseTenantUrl> | undefined;
        try {
          tenant = parseTenantUrl(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toMatch(/^DSPM_TENANT_URL /);
          return;
        }
        expect(tenant.origin.startsWith('https://')).toBe(true);
        expect(isNetskopeHost(tenant.host)).toBe(true);
        expect(userinfo).toBe('');
        expect(['', ':443']).toContain(port);
        expect(['', '/', '/api/v2/dspm/']).toContain(path);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });
});
