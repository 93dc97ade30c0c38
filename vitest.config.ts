import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure, in-process) and `integration` (real peers over loopback: the DSPM
 * simulator, later moto). `npm test` runs both.
 */
export default defineConfig({
  test: {
    // One Node.js compile cache for the run, for the workers and every process the tests start.
    globalSetup: ['test/helpers/compile-cache-setup.ts'],
    // CI reads the JSON report to print its closing line (.ci/summary.ts).
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Pure, in-process tests that hold no state between files: one worker imports the sources
          // (zod, undici, the SDK's types) once for every file instead of once per file.
          isolate: false,
          // No wall-clock limit: the packed-ids tests take seconds on a busy 2-core machine, and
          // vitest's default 5 s failed them there for being slow, not wrong.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // Each file synthesizes apps of its own and keeps no state between files: one worker
          // imports aws-cdk-lib and cdk-nag once for every file instead of once per file.
          isolate: false,
          globalSetup: ['test/helpers/function-bundles-setup.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/function-bundles-setup.ts', 'test/integration/global-setup.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
