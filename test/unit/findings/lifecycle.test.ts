import { describe, expect, it } from 'vitest';
import { FINDING_CONDITIONS } from '#shared/events/contract.ts';
import { assessFindings, findingsUpToDate, resolveRemoved } from '#shared/findings/assess-findings.ts';
import { evaluateCondition, type PollCondition } from '#shared/findings/conditions.ts';
import type { FindingState } from '#shared/findings/finding-state.ts';
import { DEFAULT_FINDING_SETTINGS, parseFindingSettings } from '#shared/findings/severities.ts';
import { type Observation, stepFinding } from '#shared/findings/transition.ts';
import { DEFAULT_RISK_BANDS } from '#shared/risk/levels.ts';
import type { Snapshot } from '#shared/risk/snapshot.ts';

const AT = new Date('2026-11-22T10:00:00.000Z');
const OPEN: FindingState = {
  status: 'open',
  occurrence: 1,
  severity: 'high',
  openedAt: '2026-11-22T09:00:00.000Z',
  sequence: 1,
  baseline: false,
};
const RESOLVED: FindingState = {
  ...OPEN,
  status: 'resolved',
  resolvedAt: '2026-11-22T09:30:00.000Z',
  sequence: 2,
};

describe('the finding lifecycle, row by row', () => {
  it.each<[string, FindingState | undefined, Observation, object | undefined]>([
    [
      'first sight opens occurrence 1',
      undefined,
      'high',
      {
        kind: 'opened',
        next: { occurrence: 1, sequence: 1, status: 'open', severity: 'high', openedAt: AT.toISOString() },
      },
    ],
    [
      'a resolved one re-opens as the next occurrence, sequence going on',
      RESOLVED,
      'medium',
      {
        kind: 'opened',
        next: {
          occurrence: 2,
          sequence: 3,
          status: 'open',
          severity: 'medium',
          openedAt: AT.toISOString(),
        },
      },
    ],
    [
      'an open one with another severity is updated',
      OPEN,
      'critical',
      {
        kind: 'updated',
        previousSeverity: 'high',
        next: { severity: 'critical', sequence: 2, occurrence: 1, openedAt: OPEN.openedAt },
      },
    ],
    ['an open one with the same severity says nothing', OPEN, 'high', undefined],
    [
      'an open one whose condition cleared is resolved',
      OPEN,
      null,
      {
        kind: 'resolved',
        resolution: 'condition-cleared',
        next: { status: 'resolved', resolvedAt: AT.toISOString(), sequence: 2, severity: 'high' },
      },
    ],
    [
      'an open one of a removed store is resolved',
      OPEN,
      'store-removed',
      { kind: 'resolved', resolution: 'store-removed', next: { status: 'resolved', sequence: 2 } },
    ],
    ['none that does not hold says nothing', undefined, null, undefined],
    ['a resolved one that does not hold says nothing', RESOLVED, null, undefined],
    ['a removed store without an open one says nothing', RESOLVED, 'store-removed', undefined],
    ['unknown never resolves', OPEN, undefined, undefined],
    ['unknown never opens', undefined, undefined, undefined],
  ])('%s', (_name, previous, now, expected) => {
    const step = stepFinding('high-risk', previous, now, AT, false);
    if (expected === undefined) expect(step).toBeUndefined();
    else expect(step).toMatchObject(expected);
  });

  it('marks an occurrence opened at the first poll as baseline, and keeps it on its later steps', () => {
    const opened = stepFinding('backup-off', undefined, 'medium', AT, true);
    const updated = stepFinding('backup-off', opened?.next, 'high', AT, false);
    const resolved = stepFinding('backup-off', updated?.next, null, AT, false);
    const reopened = stepFinding('backup-off', resolved?.next, 'high', AT, false);
    expect([opened, updated, resolved].map((step) => step?.next.baseline)).toEqual([true, true, true]);
    expect(reopened?.next).toMatchObject({ baseline: false, occurrence: 2, sequence: 4 });
  });
});

describe('conditions from a snapshot', () => {
  const evaluate = (condition: PollCondition, snapshot: Snapshot) =>
    evaluateCondition(condition, snapshot, DEFAULT_FINDING_SETTINGS, DEFAULT_RISK_BANDS);

  it.each<[PollCondition, Snapshot, ReturnType<typeof evaluate>]>([
    ['high-risk', { data_store_risk_rating: 74 }, 'high'],
    ['high-risk', { data_store_risk_rating: 75 }, 'critical'],
    ['high-risk', { data_store_risk_rating: 49 }, null],
    ['high-risk', { data_store_risk_rating: null }, undefined],
    ['high-risk', {}, undefined],
    ['public-access', { publicly_inaccessible: 'Off' }, 'high'],
    ['public-access', { publicly_inaccessible: 'On' }, null],
    ['encryption-off', { encryption: 'Off' }, 'medium'],
    ['encryption-off', { encryption: 'Partial' }, undefined],
    ['backup-off', { backup: 'Off' }, 'medium'],
    ['backup-off', { backup: null }, undefined],
  ])('%s of %j is %s', (condition, snapshot, expected) => {
    expect(evaluate(condition, snapshot)).toBe(expected);
  });

  it('takes configured severities, and a condition turned off is never evaluated', () => {
    const settings = parseFindingSettings('encryption-off=critical,backup-off=off', FINDING_CONDITIONS);
    expect(evaluateCondition('encryption-off', { encryption: 'Off' }, settings, DEFAULT_RISK_BANDS)).toBe(
      'critical',
    );
    expect(evaluateCondition('backup-off', { backup: 'Off' }, settings, DEFAULT_RISK_BANDS)).toBeUndefined();
    expect(settings.unprotected).toBe('medium');
  });

  it.each([
    ['unknown=high', /unknown condition "unknown"/],
    ['public-access=severe', /"public-access" takes one of low, medium, high, critical, off/],
    ['high-risk=critical', /"high-risk" takes one of level, off/],
    ['public-access', /is not condition=severity/],
  ])('refuses %s with a clear error', (raw, message) => {
    expect(() => parseFindingSettings(raw, FINDING_CONDITIONS)).toThrow(message);
  });
});

describe("a store's findings", () => {
  const assessment = { settings: DEFAULT_FINDING_SETTINGS, bands: DEFAULT_RISK_BANDS, baseline: false };
  const risky: Snapshot = {
    data_store_risk_rating: 80,
    encryption: 'Off',
    backup: 'On',
    publicly_inaccessible: 'On',
  };

  it('opens every condition that holds, and is then up to date', () => {
    const { transitions, next } = assessFindings(undefined, risky, AT, assessment);
    expect(transitions.map((step) => [step.condition, step.next.severity])).toEqual([
      ['high-risk', 'critical'],
      ['encryption-off', 'medium'],
    ]);
    expect(findingsUpToDate(next, risky, DEFAULT_FINDING_SETTINGS, DEFAULT_RISK_BANDS)).toBe(true);
    expect(
      findingsUpToDate(next, { ...risky, encryption: 'On' }, DEFAULT_FINDING_SETTINGS, DEFAULT_RISK_BANDS),
    ).toBe(false);
    expect(
      findingsUpToDate(
        next,
        { ...risky, data_store_risk_rating: 60 },
        DEFAULT_FINDING_SETTINGS,
        DEFAULT_RISK_BANDS,
      ),
    ).toBe(false);
    expect(
      findingsUpToDate(
        next,
        { ...risky, data_store_risk_rating: null },
        DEFAULT_FINDING_SETTINGS,
        DEFAULT_RISK_BANDS,
      ),
    ).toBe(true);
  });

  it('is never up to date without states (a record from before findings)', () => {
    expect(findingsUpToDate(undefined, {}, DEFAULT_FINDING_SETTINGS, DEFAULT_RISK_BANDS)).toBe(false);
  });

  it('resolves only the open ones of a removed store', () => {
    const { next } = assessFindings(undefined, risky, AT, assessment);
    const later = assessFindings(next, { ...risky, encryption: 'On' }, AT, assessment).next;
    expect(resolveRemoved(later, AT).transitions.map((step) => [step.condition, step.resolution])).toEqual([
      ['high-risk', 'store-removed'],
    ]);
  });
});
