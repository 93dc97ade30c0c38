/**
 * One moto server for the whole integration run, shared through vitest's `provide`/`inject`.
 * Tests use their own resource names (or reset moto) so they do not see each other's data.
 */
import type { TestProject } from 'vitest/node';
import { startMoto } from '../helpers/moto.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  return () => moto.stop();
}
