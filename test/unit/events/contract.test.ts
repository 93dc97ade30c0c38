import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DETAIL_SCHEMAS, DETAIL_TYPES, riskChangedDetailSchema } from '#shared/events/contract.ts';
import { eventJsonSchemas } from '#shared/events/json-schemas.ts';
import {
  buildDiscovered,
  buildPollCompleted,
  buildRemoved,
  buildRiskChanged,
  correlationIdOf,
  type PollContext,
  transitionEventId,
} from '#shared/risk/build-events.ts';
import { buildCatalog, describeStore } from '#shared/risk/catalog.ts';
import { diffSnapshots } from '#shared/risk/diff.ts';
import { DEFAULT_RISK_BANDS } from '#shared/risk/levels.ts';
import type { Snapshot } from '#shared/risk/snapshot.ts';
import { loadFixture } from '../../helpers/fixtures.ts';

const catalog = buildCatalog({
  platforms: loadFixture<{ results: never[] }>('dspm/platforms.response.json').results,
  connections: loadFixture<{ results: never[] }>('dspm/infrastructure-connections-aws.response.json').results,
  services: loadFixture<{ results: never[] }>('dspm/services.response.json').results,
  tags: loadFixture<{ data_tags: never[] }>('dspm/data-tags.response.json').data_tags,
});
const context: PollContext = {
  tenant: 'example.goskope.com',
  pollId: 'poll-1',
  source: 'netskope.dspm',
  test: false,
  bands: DEFAULT_RISK_BANDS,
  catalog,
};
const identity = {
  name: 'engineering',
  endpoint: 'postgres-engineering.abcdefghijk1.us-west-2.rds.amazonaws.com:5432/dev',
  serviceId: 5,
  connectionId: 1,
  region: 'us-west-2',
  accountId: '123456789012',
};
const store = describeStore(1, identity, [1000004], catalog);
const at = new Date('2026-11-22T10:00:00.000Z');
const previous: Snapshot = { data_store_risk_rating: 36, encryption: 'On', data_tags: [1000004] };
const current: Snapshot = { data_store_risk_rating: 72, encryption: 'Off', data_tags: [1000004, 1000007] };
const transition = {
  store,
  sequence: 3,
  observedAt: at,
  previousObservedAt: '2026-11-22T09:45:00.000Z',
  previousFingerprint: 'a',
  currentFingerprint: 'b',
};

describe('event builders', () => {
  it("build the design's data-store-risk-changed example", () => {
    // Act
    const event = buildRiskChanged(context, {
      ...transition,
      previous,
      current,
      changes: diffSnapshots(previous, current).changes,
    });
    // Assert
    expect(event.detailType).toBe('data-store-risk-changed');
    expect(event.time).toEqual(at);
    const detail = riskChangedDetailSchema.parse(event.detail);
    expect(detail).toMatchObject({
      correlationId: 'example.goskope.com/data-store/1',
      sequence: 3,
      severity: 'high',
      riskLevel: { previous: 'medium', current: 'high' },
      direction: 'increased',
      changedFields: ['data_store_risk_rating', 'encryption', 'data_tags'],
      previous: { data_store_risk_rating: 36, encryption: 'On', data_tags: [1000004] },
      current: { data_store_risk_rating: 72, encryption: 'Off', data_tags: [1000004, 1000007] },
      dataStore: {
        id: 1,
        name: 'engineering',
        region: 'us-west-2',
        accountId: '123456789012',
        service: { id: 5, name: 'rdspostgres', displayName: 'Postgres' },
        infrastructureConnection: { id: 1, name: 'aws-demo', platform: 'AWS' },
        dataTags: [{ id: 1000004, name: 'GDPR', categoryId: 3 }],
      },
    });
    expect(detail.changes).toEqual([
      { field: 'data_store_risk_rating', previous: 36, current: 72, delta: 36, direction: 'increased' },
      { field: 'encryption', previous: 'On', current: 'Off', direction: 'increased' },
      {
        field: 'data_tags',
        previous: [1000004],
        current: [1000004, 1000007],
        direction: 'neutral',
        added: [{ id: 1000007, name: 'PII' }],
        removed: [],
      },
    ]);
  });

  it('give every detail type a detail its schema accepts', () => {
    const events = [
      buildRiskChanged(context, {
        ...transition,
        previous,
        current,
        changes: diffSnapshots(previous, current).changes,
      }),
      buildDiscovered(context, {
        ...transition,
        sequence: 1,
        previousObservedAt: null,
        previousFingerprint: null,
        current,
      }),
      buildRemoved(context, { ...transition, currentFingerprint: null, previous }),
      buildPollCompleted(
        context,
        {
          startedAt: at.toISOString(),
          durationMs: 5,
          baseline: false,
          complete: true,
          incompleteReason: null,
          stores: { seen: 1, discovered: 0, changed: 1, removed: 0, unchanged: 0, uncommitted: 0 },
          dspm: { requests: 5, pages: 1, retries: 0, throttled: 0 },
          events: { published: 1, failed: 0 },
        },
        at,
      ),
    ];
    for (const event of events) {
      const schema = DETAIL_SCHEMAS[event.detailType as keyof typeof DETAIL_SCHEMAS];
      expect(schema.safeParse(event.detail).success, event.detailType).toBe(true);
    }
  });
});

describe('event identity', () => {
  const base = {
    tenant: 't',
    storeId: 1,
    detailType: DETAIL_TYPES.riskChanged,
    sequence: 2,
    previousFingerprint: 'a',
    currentFingerprint: 'b',
  };

  it('gives the same transition the same id', () => {
    expect(transitionEventId(base)).toBe(transitionEventId({ ...base }));
    expect(transitionEventId(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['tenant', 'u'],
    ['storeId', 2],
    ['detailType', DETAIL_TYPES.discovered],
    ['sequence', 3],
    ['previousFingerprint', null],
    ['currentFingerprint', 'c'],
  ])('gives a different id when %s differs', (key, value) => {
    expect(transitionEventId({ ...base, [key]: value })).not.toBe(transitionEventId(base));
  });

  it('keeps the correlation id stable per store', () => {
    expect(correlationIdOf('example.goskope.com', 42)).toBe('example.goskope.com/data-store/42');
  });
});

describe('the JSON Schemas in docs/schemas', () => {
  it.each(eventJsonSchemas().map((s) => [s.file, s.content]))(
    '%s matches the zod contract (run npm run schemas if not)',
    (file, content) => {
      const onDisk = readFileSync(new URL(`../../../docs/schemas/${file}`, import.meta.url), 'utf8');
      expect(onDisk).toBe(content);
    },
  );
});
