/**
 * Which exceptions "expire soon": in force, and ending within the 7 days of the `expiring`
 * reminder, soonest first (the dashboard's `ExceptionsExpiringSoon` and `status` read the same).
 */
import { describe, expect, it } from 'vitest';
import type { FindingException } from '#shared/events/contract.ts';
import { expiringWithin } from '#shared/exceptions/expiring-soon.ts';

const NOW = new Date('2026-12-01T00:00:00Z');

function exception(exceptionId: string, expiresAt: string, changes: Partial<FindingException> = {}) {
  return {
    exceptionId,
    tenant: 'example.goskope.com',
    scope: { condition: 'encryption-off' },
    reason: 'compensating-control',
    justification: 'j',
    requestedBy: 'alice',
    approvedBy: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt,
    source: 'cli',
    revokedAt: null,
    revokedBy: null,
    revocation: null,
    ...changes,
  } satisfies FindingException;
}

describe('exceptions expiring soon', () => {
  it('keeps those in force that end within 7 days, soonest first', () => {
    const all = [
      exception('exc-in-7-days', '2026-12-08T00:00:00.000Z'),
      exception('exc-in-1-hour', '2026-12-01T01:00:00.000Z'),
      exception('exc-in-8-days', '2026-12-09T00:00:00.000Z'),
      exception('exc-ended', '2026-11-30T23:59:59.000Z'),
      exception('exc-revoked', '2026-12-02T00:00:00.000Z', {
        revokedAt: '2026-11-20T00:00:00.000Z',
        revokedBy: 'bob',
        revocation: 'no longer needed',
      }),
    ];
    expect(expiringWithin(all, NOW).map((e) => e.exceptionId)).toEqual(['exc-in-1-hour', 'exc-in-7-days']);
  });

  it('takes another window when asked', () => {
    const all = [exception('exc-in-8-days', '2026-12-09T00:00:00.000Z')];
    expect(expiringWithin(all, NOW, 10)).toHaveLength(1);
    expect(expiringWithin([], NOW)).toEqual([]);
  });
});
