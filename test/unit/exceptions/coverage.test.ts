import { describe, expect, it } from 'vitest';
import type { ExceptionScope, FindingException } from '#shared/events/contract.ts';
import {
  type CoverageSubject,
  coveringException,
  coveringExceptionIds,
  exceptionsInForce,
  tagIdsByName,
} from '#shared/exceptions/coverage.ts';

const TENANT = 'example.goskope.com';
const NOW = new Date('2026-12-01T00:00:00Z');
const TAGS = tagIdsByName([
  { id: 1000004, name: 'GDPR' },
  { id: 1000005, name: 'CCPA' },
]);

let next = 0;
function exception(scope: ExceptionScope, changes: Partial<FindingException> = {}): FindingException {
  next++;
  return {
    exceptionId: `exc-${String(next).padStart(16, '0')}`,
    tenant: TENANT,
    scope,
    reason: 'false-positive',
    justification: 'j',
    requestedBy: 'a',
    approvedBy: null,
    createdAt: `2026-11-${String(next).padStart(2, '0')}T00:00:00.000Z`,
    expiresAt: '2027-06-01T00:00:00.000Z',
    source: 'cli',
    revokedAt: null,
    revokedBy: null,
    revocation: null,
    ...changes,
  };
}

const STORE: CoverageSubject = { storeId: 7, connectionId: 1, serviceId: 5, tagIds: [1000004] };

describe('which exceptions cover a store', () => {
  it.each<[string, ExceptionScope, boolean]>([
    ['its finding', { findingId: `${TENANT}/data-store/7/finding/encryption-off` }, true],
    ["another store's finding", { findingId: `${TENANT}/data-store/8/finding/encryption-off` }, false],
    ['another condition of it', { findingId: `${TENANT}/data-store/7/finding/backup-off` }, false],
    ['a rule on the condition alone', { condition: 'encryption-off' }, true],
    ['a rule on its tag, in another case', { condition: 'encryption-off', dataTag: 'gdpr' }, true],
    ['a rule on a tag it lacks', { condition: 'encryption-off', dataTag: 'CCPA' }, false],
    ['a rule on a tag the catalog does not have', { condition: 'encryption-off', dataTag: 'PCI' }, false],
    [
      'a rule on its connection and service',
      { condition: 'encryption-off', infrastructureConnectionId: 1, serviceId: 5 },
      true,
    ],
    ['a rule on another service', { condition: 'encryption-off', serviceId: 6 }, false],
    ['a rule listing it', { condition: 'encryption-off', dataStoreIds: [3, 7] }, true],
    ['a rule listing others', { condition: 'encryption-off', dataStoreIds: [3] }, false],
    ['a rule on another condition', { condition: 'backup-off' }, false],
  ])('%s', (_, scope, covers) => {
    const inForce = exceptionsInForce(TENANT, [exception(scope)], NOW, TAGS);
    expect(coveringException(inForce, STORE, 'encryption-off') !== undefined).toBe(covers);
  });

  it('leaves out revoked, expired and other tenants’ exceptions, and picks the oldest', () => {
    const expired = exception({ condition: 'encryption-off' }, { expiresAt: NOW.toISOString() });
    const revoked = exception({ condition: 'encryption-off' }, { revokedAt: '2026-11-30T00:00:00.000Z' });
    const other = exception({ condition: 'encryption-off' }, { tenant: 'other.goskope.com' });
    const older = exception({ condition: 'encryption-off', dataTag: 'GDPR' });
    const newer = exception({ findingId: `${TENANT}/data-store/7/finding/encryption-off` });
    const inForce = exceptionsInForce(TENANT, [newer, expired, revoked, other, older], NOW, TAGS);
    expect(coveringException(inForce, STORE, 'encryption-off')?.exceptionId).toBe(older.exceptionId);
    expect(coveringExceptionIds(inForce, STORE)).toEqual([older.exceptionId, newer.exceptionId].sort());
    expect(inForce.byId.get(expired.exceptionId)).toBe(expired);
  });

  it('follows a tag added to the store', () => {
    const inForce = exceptionsInForce(
      TENANT,
      [exception({ condition: 'public-access', dataTag: 'CCPA' })],
      NOW,
      TAGS,
    );
    expect(coveringExceptionIds(inForce, STORE)).toEqual([]);
    expect(coveringExceptionIds(inForce, { ...STORE, tagIds: [1000004, 1000005] })).toHaveLength(1);
  });
});
