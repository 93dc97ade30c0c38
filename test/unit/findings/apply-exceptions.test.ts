import { describe, expect, it } from 'vitest';
import type { FindingException } from '#shared/events/contract.ts';
import { type FindingCoverage, stepCoveredFinding, UNCOVERED } from '#shared/findings/apply-exceptions.ts';
import type { FindingState } from '#shared/findings/finding-state.ts';
import type { Observation } from '#shared/findings/transition.ts';

const AT = new Date('2026-12-01T10:00:00Z');

function exception(id: string): FindingException {
  return {
    exceptionId: id,
    tenant: 't',
    scope: { condition: 'encryption-off' },
    reason: 'false-positive',
    justification: 'j',
    requestedBy: 'a',
    approvedBy: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt: '2027-11-01T00:00:00.000Z',
    source: 'cli',
    revokedAt: null,
    revokedBy: null,
    revocation: null,
  };
}
const X = exception('exc-000000000000000a');
const Y = exception('exc-000000000000000b');
const NAME: Record<string, string> = { [X.exceptionId]: 'X', [Y.exceptionId]: 'Y' };
const covering = (by: FindingException | undefined): FindingCoverage => ({
  covering: () => by,
  byId: (id) => [X, Y].find((e) => e.exceptionId === id),
});
const open = (suppressedBy?: string): FindingState => ({
  status: 'open',
  occurrence: 2,
  severity: 'medium',
  openedAt: '2026-11-30T00:00:00.000Z',
  sequence: 5,
  baseline: false,
  ...(suppressedBy ? { suppressedBy } : {}),
});

describe('a finding under exceptions', () => {
  it.each<[string, FindingState | undefined, Observation, FindingCoverage, string[]]>([
    ['opens covered', undefined, 'medium', covering(X), ['opened suppressed-by-X with-X']],
    ['opens uncovered', undefined, 'medium', UNCOVERED, ['opened open']],
    ['is covered while open', open(), 'medium', covering(X), ['suppressed suppressed-by-X with-X']],
    [
      'loses its cover (expired, revoked)',
      open(X.exceptionId),
      'medium',
      covering(undefined),
      ['unsuppressed open with-X'],
    ],
    [
      'loses its cover while unknown',
      open(X.exceptionId),
      undefined,
      covering(undefined),
      ['unsuppressed open with-X'],
    ],
    ['changes cover', open(X.exceptionId), 'medium', covering(Y), ['suppressed suppressed-by-Y with-Y']],
    ['keeps its cover', open(X.exceptionId), 'medium', covering(X), []],
    [
      'moves severity while covered',
      open(X.exceptionId),
      'high',
      covering(X),
      ['updated suppressed-by-X with-X'],
    ],
    [
      'moves severity as its cover ends',
      open(X.exceptionId),
      'high',
      covering(undefined),
      ['updated suppressed-by-X with-X', 'unsuppressed open with-X'],
    ],
    ['resolves while covered', open(X.exceptionId), null, covering(X), ['resolved resolved with-X']],
    [
      'resolves on removal while covered',
      open(X.exceptionId),
      'store-removed',
      covering(X),
      ['resolved resolved with-X'],
    ],
  ])('%s', (_, previous, now, coverage, expected) => {
    const steps = stepCoveredFinding('encryption-off', previous, now, AT, false, coverage);
    const described = steps.map((step) => {
      const by =
        step.next.suppressedBy === undefined
          ? step.next.status
          : `suppressed-by-${NAME[step.next.suppressedBy]}`;
      const carried = step.exception ? ` with-${NAME[step.exception.exceptionId]}` : '';
      return `${step.kind} ${by}${carried}`;
    });
    expect(described).toEqual(expected);
    // Every step is one more in the finding's sequence, on the same occurrence unless it opened.
    steps.forEach((step, index) => {
      expect(step.next.sequence).toBe((previous?.sequence ?? 0) + index + 1);
      if (step.kind !== 'opened') expect(step.next.occurrence).toBe(previous?.occurrence);
    });
  });
});
