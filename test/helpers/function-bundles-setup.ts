/**
 * Vitest global setup: builds the Lambda bundles once per run from the sources as they are, with
 * the builder `npm pack` uses (infra/function-bundles.ts), so every synthesized stack in the run
 * deploys, and every bundle test runs, the bytes the package ships.
 */
import { buildFunctionBundles } from '../../infra/function-bundles.ts';

/**
 * The run's one build. Vitest runs a project's global setup once per project, and the infra and
 * integration projects both list this file; every project's setup runs in the one main process,
 * so a process-wide promise lets the second project use the first one's bundles instead of
 * building the same sources again.
 */
const BUILT = Symbol.for('dspm-bridge.test.function-bundles');

export default async function setup(): Promise<void> {
  const shared = globalThis as { [BUILT]?: Promise<unknown> };
  shared[BUILT] ??= buildFunctionBundles();
  await shared[BUILT];
}
