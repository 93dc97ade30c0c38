import { describe, expect, it } from 'vitest';
import { pollOnlyBudget, RATE_SHARES, rateBudget } from '#shared/budget/static-split.ts';
import { synthesize } from '../helpers/stack.ts';

type FunctionResource = {
  Properties: {
    Description: string;
    ReservedConcurrentExecutions?: number;
    Environment: { Variables: Record<string, unknown> };
  };
};

/** Each function's pace and how many of it may run at once, read from the template. */
function deployedPacing(tenantRps: number) {
  const { template } = synthesize({ rateLimitRps: tenantRps });
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as FunctionResource[];
  const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as {
    Properties: { ScalingConfig?: { MaximumConcurrency?: number } };
  }[];
  const pace = (description: RegExp) => {
    const fn = functions.find((f) => description.test(f.Properties.Description));
    if (!fn) throw new Error(`no function matching ${description}`);
    const variables = fn.Properties.Environment.Variables;
    return {
      rps: Number(variables.DSPM_RATE_LIMIT_RPS),
      reserved: fn.Properties.ReservedConcurrentExecutions,
      budgetMode: variables.DSPM_RATE_BUDGET_MODE,
      tenantRps: variables.DSPM_TENANT_RATE_LIMIT_RPS,
      stateTable: variables.STATE_TABLE_NAME,
    };
  };
  return {
    poller: pace(/Polls Netskope/),
    tagger: pace(/Unprotected tag in step/),
    coverage: pace(/no successful backup/),
    taggerMaxConcurrency: mappings[0]?.Properties.ScalingConfig?.MaximumConcurrency,
  };
}

describe('one rate budget for the whole bridge', () => {
  it.each([4, 5, 10, 37])(
    'never lets the functions together exceed a tenant limit of %d requests/s, whatever runs at once',
    (tenantRps) => {
      // Arrange / Act
      const pacing = deployedPacing(tenantRps);
      // Assert: one poller and one sweep at a time, at most the mapping's concurrency of taggers.
      expect(pacing.poller.reserved).toBe(1);
      expect(pacing.coverage.reserved).toBe(1);
      expect(pacing.taggerMaxConcurrency).toBeGreaterThanOrEqual(2);
      const worstCase =
        pacing.poller.rps +
        pacing.coverage.rps +
        pacing.tagger.rps * (pacing.taggerMaxConcurrency ?? Infinity);
      expect(worstCase).toBeLessThanOrEqual(tenantRps);
      // Whole requests per second: a strict window counts requests, and 1.5/s can land two in one.
      for (const rps of [pacing.poller.rps, pacing.tagger.rps, pacing.coverage.rps])
        expect(Number.isInteger(rps) && rps >= 1).toBe(true);
      // Most of it goes to the poller, and the tagger always has a share of its own.
      expect(pacing.poller.rps).toBeGreaterThanOrEqual(pacing.tagger.rps);
    },
  );

  it.each([5, 37])(
    'lets the poller hold the whole limit of %d requests/s on demand, its static share the fallback',
    (tenantRps) => {
      // Arrange / Act
      const pacing = deployedPacing(tenantRps);
      // Assert: the poller holds, the tagger and the sweep ask; all know the whole limit and the
      // table the budget's item lives in (shared/budget/on-demand-budget.ts).
      expect(pacing.poller.budgetMode).toBe('holder');
      expect(pacing.tagger.budgetMode).toBe('demander');
      expect(pacing.coverage.budgetMode).toBe('demander');
      for (const fn of [pacing.poller, pacing.tagger, pacing.coverage]) {
        expect(fn.tenantRps).toBe(String(tenantRps));
        expect(fn.stateTable).toBeDefined();
      }
      // The static shares, what each falls back to, are unchanged.
      const split = rateBudget(tenantRps);
      expect([pacing.poller.rps, pacing.tagger.rps, pacing.coverage.rps]).toEqual([
        split.poller,
        split.taggerPerInstance,
        split.coverage,
      ]);
    },
  );

  it('gives shares that add up to the whole limit', () => {
    expect(RATE_SHARES.poller + RATE_SHARES.tagger + RATE_SHARES.coverage).toBeCloseTo(1, 10);
    expect(rateBudget(10)).toEqual({ poller: 6, taggerPerInstance: 1, coverage: 1 });
    expect(rateBudget(5)).toEqual({ poller: 2, taggerPerInstance: 1, coverage: 1 });
  });

  it('refuses a tenant limit too small to share, in the stack configuration too', () => {
    expect(() => rateBudget(3)).toThrow(/too small to share/);
    expect(() => synthesize({ rateLimitRps: 3 })).toThrow(/rateLimitRps.*at least 4/);
  });

  it('gives a tenant only the poller calls its whole limit, in whole requests, with one of slack from 8 up', () => {
    expect([1, 2.5, 7, 8, 20, 100].map(pollOnlyBudget)).toEqual([1, 2, 7, 7, 19, 99]);
    expect(() => pollOnlyBudget(0.5)).toThrow(/no whole request/);
  });
});
