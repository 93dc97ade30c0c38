import { describe, expect, it } from 'vitest';
import { DspmServerError, DspmTimeBudgetError } from '#shared/dspm/errors.ts';
import {
  type ChunkFacts,
  type ChunkNext,
  type ChunkPolicy,
  chunkNext,
  IN_PROCESS_CHUNKS,
  STEP_CHUNKS,
} from '#shared/poll/chunk-next.ts';
import {
  abandonedReason,
  incompleteReasonOf,
  listingFailedMessage,
  MAX_STALLED_CHUNKS,
  STOPPED_EARLY,
} from '#shared/poll/incomplete-reason.ts';

const budget = new DspmTimeBudgetError('the time budget ran out', {
  method: 'GET',
  path: 'data_stores/connected',
});
const serverDown = new DspmServerError('503 Service Unavailable', {
  method: 'GET',
  path: 'data_stores/connected',
  status: 503,
});

/** A chunk that listed to the end of a pass that added up. */
const ADDED_UP: ChunkFacts = {
  stoppedBy: undefined,
  error: undefined,
  stalledChunks: 0,
  total: 250,
  totalChangedTo: undefined,
  report: { complete: true, reason: undefined },
};

const cases: {
  readonly name: string;
  readonly facts: Partial<ChunkFacts>;
  readonly policy: ChunkPolicy;
  readonly next: ChunkNext;
}[] = [
  {
    name: 'a pass that listed to its end and adds up is listed, complete',
    facts: {},
    policy: STEP_CHUNKS,
    next: { state: 'listed', complete: true, reason: undefined },
  },
  {
    name: 'a chunk that reached its stop time leaves the rest to the next chunk',
    facts: { stoppedBy: 'time' },
    policy: STEP_CHUNKS,
    next: { state: 'listing', budgetSpent: false },
  },
  {
    name: 'the in-process driver also goes on after its own checkpoint interval',
    facts: { stoppedBy: 'time' },
    policy: IN_PROCESS_CHUNKS,
    next: { state: 'listing', budgetSpent: false },
  },
  {
    name: "a workflow's chunk whose DSPM budget ran out leaves the rest to the next chunk",
    facts: { error: budget, stalledChunks: 0 },
    policy: STEP_CHUNKS,
    next: { state: 'listing', budgetSpent: true },
  },
  {
    name: 'a spent budget ends the pass of the in-process driver as failed',
    facts: { error: budget },
    policy: IN_PROCESS_CHUNKS,
    next: { state: 'ended', endedBy: 'failure', why: 'failed', reason: budget.message },
  },
  {
    name: 'a spent budget in a chunk that listed nothing, below the stall limit, still goes on',
    facts: { error: budget, stalledChunks: MAX_STALLED_CHUNKS - 1 },
    policy: STEP_CHUNKS,
    next: { state: 'listing', budgetSpent: true },
  },
  {
    name: 'the third chunk in a row without a page ends the pass as stalled, naming the last error',
    facts: { error: budget, stalledChunks: MAX_STALLED_CHUNKS },
    policy: STEP_CHUNKS,
    next: {
      state: 'ended',
      endedBy: 'failure',
      why: 'stalled',
      reason: `no page was listed in ${MAX_STALLED_CHUNKS} chunks in a row (${budget.message})`,
    },
  },
  {
    name: 'a listing failure other than the budget ends the pass as failed, whatever the policy',
    facts: { error: serverDown },
    policy: STEP_CHUNKS,
    next: { state: 'ended', endedBy: 'failure', why: 'failed', reason: serverDown.message },
  },
  {
    name: "the caller's signal ends the pass as stopped",
    facts: { stoppedBy: 'signal' },
    policy: IN_PROCESS_CHUNKS,
    next: { state: 'ended', endedBy: 'stop', why: 'stopped', reason: STOPPED_EARLY },
  },
  {
    name: 'a total that moved in another chunk makes the listed pass incomplete',
    facts: { total: 250, totalChangedTo: 260 },
    policy: STEP_CHUNKS,
    next: { state: 'listed', complete: false, reason: 'total changed from 250 to 260 during the pass' },
  },
  {
    name: "a listing whose ids do not add up is incomplete with the listing's own reason",
    facts: { report: { complete: false, reason: 'received 249 distinct items but total says 250' } },
    policy: STEP_CHUNKS,
    next: { state: 'listed', complete: false, reason: 'received 249 distinct items but total says 250' },
  },
  {
    name: 'a listing that did not add up and gave no reason says so',
    facts: { report: { complete: false, reason: undefined } },
    policy: STEP_CHUNKS,
    next: { state: 'listed', complete: false, reason: 'the listing did not add up' },
  },
];

describe("what a poll's chunk does next", () => {
  it.each(cases)('$name', ({ facts, policy, next }) => {
    // Arrange
    const chunk: ChunkFacts = { ...ADDED_UP, ...facts };

    // Act
    const decided = chunkNext(chunk, policy);

    // Assert
    expect(decided).toEqual(next);
  });
});

describe('why a poll was incomplete', () => {
  it('is null for a complete pass, the recorded reason otherwise, and "unknown" when none was recorded', () => {
    expect(incompleteReasonOf({ state: 'listed', complete: true })).toBeNull();
    expect(incompleteReasonOf({ state: 'ended', complete: false, reason: STOPPED_EARLY })).toBe(
      STOPPED_EARLY,
    );
    expect(incompleteReasonOf({ state: 'listed', complete: false })).toBe('unknown');
    // An ended pass is incomplete even if an older checkpoint said complete.
    expect(incompleteReasonOf({ state: 'ended', complete: true, reason: 'x' })).toBe('x');
  });

  it('names when an abandoned poll began and how long a poll may last', () => {
    expect(abandonedReason('2026-01-01T00:00:00.000Z')).toBe(
      'the poll began at 2026-01-01T00:00:00.000Z and was abandoned after 24 h',
    );
  });

  it("gives the finish step's error for a failed listing its reason, or says none was recorded", () => {
    expect(listingFailedMessage('GET x: 503')).toBe('the listing failed part-way: GET x: 503');
    expect(listingFailedMessage(undefined)).toBe('the listing failed part-way: no reason recorded');
  });
});
