/**
 * The guarantee "the whole bridge stays within the tenant's one global rate limit, whichever
 * functions run at once": the poller, two taggers and the sweep at once, each paced at the share
 * the stack gives it, against a strict sliding-window tenant that sends no RateLimit-* headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateBudget } from '#shared/budget/static-split.ts';
import { type RunningSimulator, startSimulator } from '#simulator/server.ts';
import {
  runBudgetScenario,
  type ScenarioTenant,
  simulatedTenant,
} from '../../../bench/lib/budget-scenario.ts';

const TENANT_RPS = 20;
const TOKEN = 'budget-token';

describe('one rate budget for the whole bridge', () => {
  let sim: RunningSimulator;
  let tenant: ScenarioTenant;

  beforeAll(async () => {
    sim = await startSimulator({
      stores: 5_000,
      latencyMs: 30,
      rateLimitRps: TENANT_RPS,
      tokens: [{ token: TOKEN, access: 'read-write' }],
    });
    tenant = simulatedTenant(sim, TOKEN, 50);
  });
  afterAll(() => sim.close());

  it('keeps the poller, two taggers and the sweep at once under 1 % refused, with tag writes going on during the poll', async () => {
    // Act
    const figures = await runBudgetScenario(tenant, { tenant: TENANT_RPS, ...rateBudget(TENANT_RPS) }, 6);
    // Assert: hardly a refusal although four clients share one strict window ...
    expect(figures.requests).toBeGreaterThan(80);
    expect(figures.refused / figures.requests).toBeLessThanOrEqual(0.01);
    // ... and every tag write was done, some of them while the 50-page listing was still going.
    expect(figures.tagWriteMs).toHaveLength(12);
    expect(figures.writesDuringPoll).toBeGreaterThan(0);
    const putRequests = sim.requests.filter((entry) => entry.method === 'PUT');
    expect(putRequests.length).toBeGreaterThanOrEqual(12);
  });
});
