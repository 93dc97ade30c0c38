/**
 * Vitest global setup: builds the Lambda bundles once per run from the sources as they are, with
 * the builder `npm pack` uses (infra/function-bundles.ts), so every synthesized stack in the run
 * deploys, and every bundle test runs, the bytes the package ships.
 */
import { buildFunctionBundles } from '../../infra/function-bundles.ts';

export default async function setup(): Promise<void> {
  await buildFunctionBundles();
}
