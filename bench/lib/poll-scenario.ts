/**
 * One full-poll scenario of bench:poll: a fresh simulator and state process; for each variant
 * (streaming or whole, page size, Node flags) a tenant of its own in the state, polled once for
 * its baseline; the simulated tenant changed once; then each variant's poll in a fresh process,
 * so every measured peak RSS is that poll's alone, as one Lambda invocation's would be, and every
 * variant meets the same changes.
 */
import { changeTenant } from './change-stores.ts';
import { RemoteStateStore } from './remote-state-store.ts';
import { startSimulatorProcess } from './simulator-process.ts';
import { startStateProcess } from './state-process.ts';
import { runStep, type StepFigures } from './step-figures.ts';

/** How one measured poll runs. */
export interface PollVariant {
  /** `poll` (streaming) or `whole` (as before it streamed). */
  readonly step: 'poll' | 'whole';
  readonly pageSize: number;
  /** Node flags of the measured poll's process (none: default V8 settings). */
  readonly nodeFlags?: readonly string[];
}

/** What to run. */
export interface PollScenario {
  readonly stores: number;
  /** Share of the stores changed between the baselines and the measured polls. */
  readonly share: number;
  readonly variants: readonly PollVariant[];
}

/** What one variant measured. */
export interface VariantFigures {
  readonly variant: PollVariant;
  readonly baseline: StepFigures;
  readonly measured: StepFigures;
}

/** What the scenario measured. */
export interface PollScenarioFigures {
  readonly variants: readonly VariantFigures[];
  /** Peak RSS of the state process: the committed state the pollers do not hold. */
  readonly statePeakRssMb: number;
}

const TOKEN = 'bench-token';

/** Runs `scenario`; stops its simulator and state process whatever happens. */
export async function runPollScenario(scenario: PollScenario): Promise<PollScenarioFigures> {
  const sim = await startSimulatorProcess(['--stores', String(scenario.stores)], TOKEN);
  try {
    const stateProcess = await startStateProcess(['--max-old-space-size=8192']);
    try {
      const argsOf = (variant: PollVariant, index: number) => [
        '--dspm',
        sim.url,
        '--state',
        stateProcess.url,
        '--tenant',
        `variant-${index + 1}.goskope.com`,
        '--page-size',
        String(variant.pageSize),
      ];
      const baselines: StepFigures[] = [];
      for (const [index, variant] of scenario.variants.entries()) {
        baselines.push(await runStep(['poll', ...argsOf(variant, index)]));
      }
      await changeTenant(sim.url, { stores: scenario.stores, share: scenario.share });
      const variants: VariantFigures[] = [];
      for (const [index, variant] of scenario.variants.entries()) {
        const measured = await runStep([variant.step, ...argsOf(variant, index)], variant.nodeFlags);
        if (measured.status !== 'completed')
          throw new Error(`the ${variant.step} poll ended ${measured.status}`);
        variants.push({ variant, baseline: baselines[index] as StepFigures, measured });
      }
      const state = new RemoteStateStore(stateProcess.url);
      const stats = await state.stats();
      state.close();
      return { variants, statePeakRssMb: stats.peakRssMb };
    } finally {
      await stateProcess.stop();
    }
  } finally {
    await sim.stop();
  }
}
