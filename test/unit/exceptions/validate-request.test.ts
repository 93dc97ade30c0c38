import { describe, expect, it } from 'vitest';
import { ExceptionValidationError } from '#shared/exceptions/exception-errors.ts';
import type { ExceptionRequest } from '#shared/exceptions/exception-request.ts';
import { validateRequest } from '#shared/exceptions/validate-request.ts';

const NOW = new Date('2026-12-01T00:00:00Z');
const BASE: ExceptionRequest = {
  tenant: 'example.goskope.com',
  scope: { condition: 'encryption-off', dataTag: ' GDPR ' },
  reason: 'compensating-control',
  justification: 'encrypted in the app',
  requestedBy: 'alice',
  expires: '90d',
  source: 'cli',
};

describe('an exception request', () => {
  it.each<[string, string | undefined, string]>([
    ['90d', undefined, '2027-03-01T00:00:00.000Z'],
    ['12w', undefined, '2027-02-23T00:00:00.000Z'],
    ['48h', undefined, '2026-12-03T00:00:00.000Z'],
    ['P90D', undefined, '2027-03-01T00:00:00.000Z'],
    ['P2W', undefined, '2026-12-15T00:00:00.000Z'],
    ['2027-06-30', undefined, '2027-06-30T00:00:00.000Z'],
    ['2027-06-30T12:00:00+02:00', undefined, '2027-06-30T10:00:00.000Z'],
    ['365d', undefined, '2027-12-01T00:00:00.000Z'],
  ])('expires %s', (expires, _, expected) => {
    expect(validateRequest({ ...BASE, expires }, 'exc-0000000000000001', NOW).expiresAt).toBe(expected);
  });

  it('gives a false positive 365 days, trims the tag and keeps no approver', () => {
    const made = validateRequest(
      { ...BASE, reason: 'false-positive', expires: undefined },
      'exc-0000000000000001',
      NOW,
    );
    expect(made).toMatchObject({
      expiresAt: '2027-12-01T00:00:00.000Z',
      scope: { condition: 'encryption-off', dataTag: 'GDPR' },
      approvedBy: null,
      revokedAt: null,
    });
  });

  it.each<[string, Partial<ExceptionRequest>, string]>([
    ['no justification', { justification: '  ' }, 'justification'],
    ['a justification of 2001 characters', { justification: 'x'.repeat(2001) }, 'justification'],
    ['risk-accepted without an approver', { reason: 'risk-accepted' }, 'approvedBy'],
    [
      'risk-accepted without an expiry',
      { reason: 'risk-accepted', approvedBy: 'b', expires: undefined },
      'expires',
    ],
    ['compensating-control without an expiry', { expires: undefined }, 'expires'],
    ['366 days', { expires: '366d' }, 'expires'],
    ['a time past 365 days', { expires: '2027-12-02' }, 'expires'],
    ['a time in the past', { expires: '2026-11-30' }, 'expires'],
    ['a word', { expires: 'soon' }, 'expires'],
    [
      'an unknown condition',
      { scope: { condition: 'encryption-of' as 'encryption-off' } },
      'scope.condition',
    ],
    [
      'a finding of another tenant',
      { scope: { findingId: 'other.goskope.com/data-store/1/finding/high-risk' } },
      'scope.findingId',
    ],
    [
      'a finding id of an unknown condition',
      { scope: { findingId: 'example.goskope.com/data-store/1/finding/nope' } },
      'scope.findingId',
    ],
    ['an unknown reason', { reason: 'because' as 'false-positive' }, 'reason'],
    ['no requester', { requestedBy: '' }, 'requestedBy'],
  ])('is refused with %s, naming the field', (_, change, field) => {
    const attempt = () => validateRequest({ ...BASE, ...change }, 'exc-0000000000000001', NOW);
    expect(attempt).toThrow(ExceptionValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ExceptionValidationError).field).toBe(field);
    }
  });
});
