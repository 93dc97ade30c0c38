/**
 * The poller Lambda's completion metric, through the real handler with moto and the simulator:
 * `PollsCompleted` counts only polls that listed the whole tenant, so the NoCompletedPoll alarm
 * fires when every poll fails part-way, while `IncompletePolls` says why.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaultRule, RunningSimulator } from '#simulator/server.ts';
import { captureProcessOutput, type fakeContext } from '../../helpers/aws.ts';
import { metricValues } from '../../helpers/metrics.ts';
import { bridgeOnMoto, type MotoBridge } from '../../helpers/moto-bridge.ts';
import { runTenantBranch } from '../../helpers/poll-workflow.ts';

const TOKEN = 'metrics-suite-token-5d2e17';

describe('the poller Lambda counting completed polls', () => {
  let bridge: MotoBridge;
  let sim: RunningSimulator;
  let handler: (event: unknown, context: ReturnType<typeof fakeContext>) => Promise<unknown>;
  let output: string[] = [];
  let tenant: string;

  beforeAll(async () => {
    bridge = await bridgeOnMoto({
      name: 'metrics',
      simulator: { tokens: [{ token: TOKEN, access: 'read-write' }] },
      secret: JSON.stringify({ token: TOKEN }),
      env: { DSPM_RATE_LIMIT_RPS: '1000' },
    });
    ({ sim, tenant } = bridge);
    output = captureProcessOutput();
    // The module reads its environment when imported, as a Lambda cold start does.
    ({ handler } = await import('../../../functions/poll-data-stores.ts'));
    // The first poll takes the baseline, complete.
    await runTenantBranch(handler, { tenant });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge.close();
  });

  it('counts a poll that listed every store', () => {
    expect(metricValues(output, 'PollsCompleted')).toEqual([1]);
    expect(metricValues(output, 'IncompletePolls')).toEqual([0]);
  });

  it.each<[string, FaultRule, boolean]>([
    // 400 is never retried: the listing stops at its first page and the invocation fails.
    [
      'whose listing failed',
      { kind: 'status', status: 400, match: { route: 'data_stores/connected' } },
      true,
    ],
    [
      'whose total did not add up',
      { kind: 'total-mismatch', match: { route: 'data_stores/connected' } },
      false,
    ],
  ])('does not count a poll %s, and counts it as incomplete', async (_case, fault, fails) => {
    // Arrange
    sim.faults.add(fault);
    output.length = 0;
    // Act
    const branch = runTenantBranch(handler, { tenant });
    // Assert: a failed listing fails the finish step (after its summary); a total that moved does not.
    if (fails) await expect(branch).rejects.toThrow(/400/);
    else
      await expect(branch.then((steps) => steps.at(-1))).resolves.toMatchObject({
        status: 'completed',
        complete: false,
      });
    expect(metricValues(output, 'PollsCompleted')).toEqual([0]);
    expect(metricValues(output, 'IncompletePolls')).toEqual([1]);
    sim.faults.clear();
  });
});
