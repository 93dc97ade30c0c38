import { describe, expect, it } from 'vitest';
import type { InventoryAnswer } from '#shared/backup/inventory.ts';
import { NO_ARN } from '#shared/backup/sweep/ask-inventory.ts';
import { judgeInventoryAnswers } from '#shared/backup/sweep/judge-inventory-answer.ts';
import { judgeWithoutInventory } from '#shared/backup/sweep/judge-without-inventory.ts';
import type { Judgement } from '#shared/backup/sweep/judgement.ts';
import type { SweepView } from '#shared/backup/sweep/sweep-view.ts';
import type { SweepSettings } from '#shared/backup/sweep-settings.ts';
import { buildCatalog } from '#shared/risk/catalog.ts';
import type { ProtectionRecord } from '#shared/state/protection-records.ts';
import type { StoreRecord } from '#shared/state/records.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const ago = (hours: number) => new Date(NOW - hours * HOUR).toISOString();

const SWEEP: SweepSettings = {
  rpoHours: 26,
  excludedServices: new Set(['dynamodb']),
  excludedConnections: new Set([9]),
  maxChanges: 100,
};

/** One store, watched for `watchedHours`, on service 5 (`rdspostgres`) or 6 (`dynamodb`). */
function storeOf(watchedHours: number, serviceId = 5, connectionId = 1): StoreRecord {
  return {
    storeId: 1,
    identity: {
      name: 'orders',
      endpoint: 'orders.example',
      serviceId,
      connectionId,
      region: null,
      accountId: null,
    },
    snapshot: {} as StoreRecord['snapshot'],
    fingerprint: 'f',
    sequence: 0,
    observedAt: ago(watchedHours),
    firstSeenAt: ago(watchedHours),
  };
}

function recordOf(overrides: Partial<ProtectionRecord>): ProtectionRecord {
  return {
    storeId: 1,
    status: 'protected',
    reason: 'BACKUP_SUCCEEDED',
    observedAt: ago(100),
    system: 'aws-backup',
    tagAddedByBridge: false,
    recentEventIds: [],
    version: 1,
    ...overrides,
  };
}

/** Runs both judging stages over one store, as the sweep does. */
function judge(
  store: StoreRecord,
  protection: ProtectionRecord | undefined,
  answer?: InventoryAnswer,
): Judgement {
  const view: SweepView = {
    stores: [store],
    protections: new Map(protection ? [[1, protection]] : []),
    catalog: buildCatalog({
      platforms: [],
      connections: [],
      services: [
        { id: 5, name: 'rdspostgres' },
        { id: 6, name: 'dynamodb' },
      ] as never,
      tags: [],
    }),
    now: NOW,
    rpoMs: SWEEP.rpoHours * HOUR,
  };
  const { judged, toAsk } = judgeWithoutInventory(view, SWEEP);
  const answers = new Map(answer ? [[1, answer]] : []);
  judgeInventoryAnswers(view, judged, toAsk, { name: 'test', asked: answers.size, unavailable: 0, answers });
  return judged.get(1) as Judgement;
}

const none: InventoryAnswer = { kind: 'answered', lastRecoveryPointAt: undefined };
const pointAgo = (hours: number): InventoryAnswer => ({
  kind: 'answered',
  lastRecoveryPointAt: new Date(NOW - hours * HOUR),
});

describe('what the coverage sweep concludes about one store', () => {
  // [case, store, record, inventory answer, counted, the change (to, reason, evidence) or null, unknown reason]
  it.each<
    [
      string,
      StoreRecord,
      ProtectionRecord | undefined,
      InventoryAnswer | undefined,
      string,
      string | null,
      string | null,
    ]
  >([
    [
      'an excluded service lifts a protected record',
      storeOf(100, 6),
      recordOf({}),
      undefined,
      'excluded',
      'excluded EXCLUDED_SERVICE configuration',
      null,
    ],
    [
      'an excluded connection without a record changes nothing',
      storeOf(100, 5, 9),
      undefined,
      undefined,
      'excluded',
      null,
      null,
    ],
    [
      "an excluded store keeps a backup system's unprotected",
      storeOf(100, 6),
      recordOf({ status: 'unprotected', reason: 'LAST_JOB_FAILED' }),
      undefined,
      'excluded',
      null,
      null,
    ],
    [
      'an event within the RPO keeps a protected record as it is',
      storeOf(100),
      recordOf({
        lastSuccessAt: ago(1),
        coverage: { state: 'protected', reason: 'BACKUP_SUCCEEDED', evidence: 'backup-event' },
      }),
      undefined,
      'protected',
      null,
      null,
    ],
    [
      "an event within the RPO lifts the sweep's own unprotected",
      storeOf(100),
      recordOf({ status: 'unprotected', reason: 'RPO_BREACH', lastSuccessAt: ago(1) }),
      undefined,
      'protected',
      'protected BACKUP_SUCCEEDED backup-event',
      null,
    ],
    [
      "a backup system's unprotected is the event path's to change",
      storeOf(100),
      recordOf({ status: 'unprotected', reason: 'LAST_JOB_FAILED' }),
      pointAgo(1),
      'unprotected',
      null,
      null,
    ],
    [
      'a recovery point within the RPO protects a store without a record',
      storeOf(100),
      undefined,
      pointAgo(2),
      'protected',
      'protected BACKUP_SUCCEEDED backup-inventory',
      null,
    ],
    [
      'no recovery point after one RPO watched, never backed up: not enrolled',
      storeOf(30),
      undefined,
      none,
      'unprotected',
      'unprotected NOT_ENROLLED backup-inventory',
      null,
    ],
    [
      'no recovery point within the RPO, backed up once: an RPO breach',
      storeOf(30),
      recordOf({ lastSuccessAt: ago(40) }),
      none,
      'unprotected',
      'unprotected RPO_BREACH backup-inventory',
      null,
    ],
    [
      'watched for less than one RPO: unknown, never a tag',
      storeOf(2),
      undefined,
      none,
      'unknown',
      null,
      'WATCHING',
    ],
    [
      'the inventory unavailable: unknown',
      storeOf(100),
      undefined,
      { kind: 'unavailable', why: 'AccessDenied' },
      'unknown',
      null,
      'INVENTORY_UNAVAILABLE',
    ],
    [
      'not asked this sweep: unknown',
      storeOf(100),
      undefined,
      undefined,
      'unknown',
      null,
      'INVENTORY_UNAVAILABLE',
    ],
    [
      'no AWS resource to ask about: unknown',
      storeOf(100),
      undefined,
      { kind: 'unavailable', why: NO_ARN },
      'unknown',
      null,
      'NO_RESOURCE_ARN',
    ],
    [
      'a protected record with no evidence now moves to unknown',
      storeOf(100),
      recordOf({ lastSuccessAt: ago(40) }),
      { kind: 'unavailable', why: 'Throttled' },
      'unknown',
      'unknown INVENTORY_UNAVAILABLE none',
      'INVENTORY_UNAVAILABLE',
    ],
    [
      "the sweep's unprotected stands until there is evidence of protection",
      storeOf(2),
      recordOf({ status: 'unprotected', reason: 'RPO_BREACH' }),
      none,
      'unprotected',
      null,
      null,
    ],
  ])('%s', (_case, store, protection, answer, counted, change, unknownReason) => {
    // Act
    const judgement = judge(store, protection, answer);
    // Assert
    expect(judgement.counted).toBe(counted);
    const { to, reason, evidence } = judgement.verdict?.decision ?? {};
    expect(judgement.verdict ? `${to} ${reason} ${evidence}` : null).toBe(change);
    expect(judgement.unknown?.reason ?? null).toBe(unknownReason);
  });

  it('remembers a newer recovery point on a record already protected, without a change', () => {
    // Arrange
    const protection = recordOf({ lastSuccessAt: ago(40), version: 3 });
    // Act
    const judgement = judge(storeOf(100), protection, pointAgo(2));
    // Assert
    expect(judgement).toEqual({
      counted: 'protected',
      refresh: { ...protection, lastSuccessAt: ago(2), version: 4 },
    });
  });
});
