/**
 * One full-poll scenario of bench:poll: a fresh simulator and state process, a baseline poll in
 * one process, the tenant changed, then the measured poll in another fresh process, so its peak
 * RSS is that poll's alone, as one Lambda invocation's would be.
 */
import { changeTenant } from './change-stores.ts';
import { RemoteStateStore } from './remote-state-store.ts';
import { startSimulatorProcess } from './simulator-process.ts';
import { startStateProcess } from './state-process.ts';
import { runStep, type StepFigures } from './step-figures.ts';

/** What to run. */
export interface PollScenario {
  readonly stores: number;
  /** Share of the stores changed between the baseline and the measured poll. */
  readonly share: number;
  /** `poll` (streaming) or `whole` (as before it streamed). */
  readonly step: 'poll' | 'whole';
  /** Node flags of the measured poll's process. */
  readonly nodeFlags?: readonly string[];
  readonly pageSize?: number;
}

/** What it measured. */
export interface PollScenarioFigures {
  readonly baseline: StepFigures;
  readonly measured: StepFigures;
  /** Peak RSS of the state process: the committed state the poller no longer holds. */
  readonly statePeakRssMb: number;
}

const TOKEN = 'bench-token';

/** Runs `scenario`; stops its simulator and state process whatever happens. */
export async function runPollScenario(scenario: PollScenario): Promise<PollScenarioFigures> {
  const sim = await startSimulatorProcess(['--stores', String(scenario.stores)], TOKEN);
  try {
    const stateProcess = await startStateProcess();
    try {
      const args = [
        '--dspm',
        sim.url,
        '--state',
        stateProcess.url,
        '--page-size',
        String(scenario.pageSize ?? 1000),
      ];
      const baseline = await runStep(['poll', ...args]);
      await changeTenant(sim.url, { stores: scenario.stores, share: scenario.share });
      const measured = await runStep([scenario.step, ...args], scenario.nodeFlags);
      const state = new RemoteStateStore(stateProcess.url);
      const stats = await state.stats();
      state.close();
      return { baseline, measured, statePeakRssMb: stats.peakRssMb };
    } finally {
      await stateProcess.stop();
    }
  } finally {
    await sim.stop();
  }
}
