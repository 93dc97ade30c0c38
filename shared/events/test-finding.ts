/**
 * The synthetic finding of `dspm-bridge test-event`: a `data-store-finding-opened` (and, on
 * request, its `data-store-finding-resolved`) that keeps the finding contract exactly, about a
 * store that cannot exist (id 0, an `.invalid` endpoint, no AWS account, so no ARN), marked
 * `"test": true` and titled as a test, so an operator can check rules and targets after a deploy
 * without a tenant ever reporting anything. Each run is a new occurrence (numbered by the time of
 * the run), so every target opens a fresh item instead of updating the last run's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type BusEvent, DETAIL_TYPES, type FindingCondition, type FindingDetail } from './contract.ts';

/** The store the test finding is about. */
export const TEST_STORE: FindingDetail['dataStore'] = {
  id: 0,
  name: 'dspm-bridge-test-event',
  endpoint: 'dspm-bridge-test-event.invalid:5432/test',
  region: null,
  accountId: null,
  service: { id: 0, name: 'test-event', displayName: 'dspm-bridge test event' },
  infrastructureConnection: { id: null, name: null, platform: null },
  dataTags: [],
};

/** Per condition: severity, what the title says, and the evidence while open and after. */
const CONDITIONS: Readonly<
  Record<
    FindingCondition,
    {
      severity: FindingDetail['severity'];
      says: string;
      open: FindingDetail['evidence'];
      cleared: FindingDetail['evidence'];
    }
  >
> = {
  'high-risk': {
    severity: 'high',
    says: 'High DSPM risk',
    open: { data_store_risk_rating: 80 },
    cleared: { data_store_risk_rating: 20 },
  },
  'public-access': {
    severity: 'high',
    says: 'Public access',
    open: { publicly_inaccessible: 'Off' },
    cleared: { publicly_inaccessible: 'On' },
  },
  'encryption-off': {
    severity: 'high',
    says: 'Encryption off',
    open: { encryption: 'Off' },
    cleared: { encryption: 'On' },
  },
  'backup-off': {
    severity: 'medium',
    says: 'Backup off',
    open: { backup: 'Off' },
    cleared: { backup: 'On' },
  },
  unprotected: {
    severity: 'medium',
    says: 'Unprotected (no recent backup)',
    // The same evidence fields the tagger puts in a real unprotected finding.
    open: {
      protection_status: 'unprotected',
      protection_reason: 'LAST_JOB_FAILED',
      backup_system: 'test-event',
    },
    cleared: {
      protection_status: 'protected',
      protection_reason: 'BACKUP_SUCCEEDED',
      backup_system: 'test-event',
    },
  },
};

/** What the test event is. */
export interface TestFindingOptions {
  readonly tenant: string;
  readonly source: string;
  readonly condition: FindingCondition;
  readonly now: Date;
  /** Follow the opened event with its resolved one. */
  readonly resolve: boolean;
}

/** The events of one test occurrence: opened, then resolved when asked. */
export function testFindingEvents(options: TestFindingOptions): BusEvent<FindingDetail>[] {
  const { tenant, condition, now } = options;
  const spec = CONDITIONS[condition];
  const findingId = `${tenant}/data-store/${TEST_STORE.id}/finding/${condition}`;
  // Seconds since the epoch: a new occurrence per run, and sequences that grow across runs.
  const occurrence = Math.max(1, Math.floor(now.getTime() / 1000));
  const at = now.toISOString();
  const pollId = `test-event-${randomUUID()}`;
  const base = {
    schemaVersion: '1',
    findingId,
    occurrence,
    correlationId: `${findingId}/${occurrence}`,
    condition,
    severity: spec.severity,
    previousSeverity: null,
    title: `[dspm-bridge test event] ${spec.says} on ${TEST_STORE.name}`,
    openedAt: at,
    baseline: false,
    tenant,
    pollId,
    observedAt: at,
    test: true,
    dataStore: TEST_STORE,
  } as const;
  const opened: FindingDetail = {
    ...base,
    eventId: eventIdOf(findingId, occurrence, 'opened'),
    status: 'open',
    resolvedAt: null,
    resolution: null,
    sequence: occurrence * 2 - 1,
    evidence: spec.open,
  };
  const events: BusEvent<FindingDetail>[] = [busEvent(DETAIL_TYPES.findingOpened, opened, options)];
  if (options.resolve) {
    const resolved: FindingDetail = {
      ...base,
      eventId: eventIdOf(findingId, occurrence, 'resolved'),
      status: 'resolved',
      resolvedAt: at,
      resolution: 'condition-cleared',
      sequence: occurrence * 2,
      evidence: spec.cleared,
    };
    events.push(busEvent(DETAIL_TYPES.findingResolved, resolved, options));
  }
  return events;
}

function busEvent(
  detailType: BusEvent['detailType'],
  detail: FindingDetail,
  options: TestFindingOptions,
): BusEvent<FindingDetail> {
  return { source: options.source, detailType, time: options.now, detail, storeId: TEST_STORE.id };
}

function eventIdOf(findingId: string, occurrence: number, transition: string): string {
  return createHash('sha256').update(`test-event\n${findingId}\n${occurrence}\n${transition}`).digest('hex');
}
