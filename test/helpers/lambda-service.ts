/**
 * The Lambda service's side of a synchronous Invoke, for the functions of a synthesized stack run
 * from their shipped bundles: each function keeps warm environments (test/helpers/lambda-instance.ts),
 * reusing an idle one before starting another, and never runs more invocations at once than its
 * reserved concurrency: one more is refused with 429 `TooManyRequestsException`
 * (`ReservedFunctionConcurrentInvocationLimitExceeded`), as the Invoke API refuses it. A function
 * error comes back as the Invoke API returns it: status 200, `FunctionError: Unhandled` and the
 * runtime's error report as the payload.
 */

import { copyFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { REPOSITORY_ROOT } from './cdk-cli.ts';
import type { StagedBundle } from './lambda-bundle.ts';
import { LambdaInstance, type RuntimeErrorReport } from './lambda-instance.ts';

const WARM_DRIVER = join(REPOSITORY_ROOT, 'test', 'helpers', 'lambda-warm-driver.mjs');

/** A function as deployed: its bundle, its environment and its limits from the template. */
export interface SimulatedFunction {
  readonly arn: string;
  readonly bundle: StagedBundle;
  /** The process environment of each of its environments (see lambda-runtime-env.ts). */
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  /** `ReservedConcurrentExecutions`; undefined: the account's pool, not simulated as a limit. */
  readonly reservedConcurrency?: number | undefined;
}

/** What the Invoke API answers. */
export type InvokeResponse =
  | { readonly statusCode: 200; readonly payload: unknown }
  | { readonly statusCode: 200; readonly functionError: 'Unhandled'; readonly payload: RuntimeErrorReport }
  | {
      readonly statusCode: 429;
      readonly errorCode: 'TooManyRequestsException';
      readonly reason: 'ReservedFunctionConcurrentInvocationLimitExceeded';
      readonly message: string;
    };

/** What happened to one function, for a test to assert. */
export interface FunctionStats {
  invocations: number;
  throttles: number;
  /** Environments started (cold starts). */
  environments: number;
  /** Most invocations running at once. */
  peakConcurrency: number;
}

/** Called before each accepted invocation runs: a test's hook to change the world between steps. */
export type BeforeInvoke = (arn: string, payload: unknown) => void | Promise<void>;

interface Deployed extends SimulatedFunction {
  readonly driver: string;
  readonly idle: LambdaInstance[];
  readonly all: LambdaInstance[];
  running: number;
  readonly stats: FunctionStats;
}

/** The simulated service, holding every deployed function's environments. */
export class SimulatedLambdaService {
  readonly #functions = new Map<string, Deployed>();
  beforeInvoke: BeforeInvoke | undefined;

  /** Deploys `fn` (nothing starts until its first invocation). */
  deploy(fn: SimulatedFunction): void {
    // The driver sits beside the task root, so nothing of the project is on the module path.
    const driver = join(dirname(fn.bundle.taskRoot), basename(WARM_DRIVER));
    copyFileSync(WARM_DRIVER, driver);
    this.#functions.set(fn.arn, {
      ...fn,
      driver,
      idle: [],
      all: [],
      running: 0,
      stats: { invocations: 0, throttles: 0, environments: 0, peakConcurrency: 0 },
    });
  }

  /** A synchronous Invoke (`RequestResponse`) of the function `arn` with `payload`. */
  async invoke(arn: string, payload: unknown): Promise<InvokeResponse> {
    const fn = this.#functions.get(arn);
    if (!fn)
      throw new Error(`no function ${arn} is deployed (deployed: ${[...this.#functions.keys()].join(', ')})`);
    if (fn.reservedConcurrency !== undefined && fn.running >= fn.reservedConcurrency) {
      fn.stats.throttles++;
      return {
        statusCode: 429,
        errorCode: 'TooManyRequestsException',
        reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        message: 'Rate Exceeded.',
      };
    }
    fn.running++;
    fn.stats.invocations++;
    fn.stats.peakConcurrency = Math.max(fn.stats.peakConcurrency, fn.running);
    try {
      await this.beforeInvoke?.(arn, payload);
      const instance = fn.idle.pop() ?? (await this.#coldStart(fn));
      // The payload crosses the API as JSON, both ways.
      const outcome = await instance.invoke(
        arn,
        JSON.parse(JSON.stringify(payload)),
        fn.timeoutSeconds * 1000,
      );
      if (instance.alive) fn.idle.push(instance);
      return outcome.ok
        ? { statusCode: 200, payload: outcome.result }
        : { statusCode: 200, functionError: 'Unhandled', payload: outcome.error };
    } finally {
      fn.running--;
    }
  }

  /** The figures of function `arn`. */
  stats(arn: string): Readonly<FunctionStats> {
    const fn = this.#functions.get(arn);
    if (!fn) throw new Error(`no function ${arn} is deployed`);
    return { ...fn.stats };
  }

  /** Everything function `arn`'s environments printed, one string per environment. */
  output(arn: string): string[] {
    return (this.#functions.get(arn)?.all ?? []).map((instance) => instance.output.join(''));
  }

  /** How many invocations each environment of `arn` served. */
  invocationsPerEnvironment(arn: string): number[] {
    return (this.#functions.get(arn)?.all ?? []).map((instance) => instance.invocations);
  }

  /** Ends every environment (warm ones are gone, as after a deploy); the functions stay deployed. */
  stopAll(): void {
    for (const fn of this.#functions.values()) {
      for (const instance of fn.all) instance.stop();
      fn.idle.length = 0;
      fn.all.length = 0;
    }
  }

  async #coldStart(fn: Deployed): Promise<LambdaInstance> {
    fn.stats.environments++;
    const instance = await LambdaInstance.start({
      driver: fn.driver,
      taskRoot: fn.bundle.taskRoot,
      environment: fn.environment,
    });
    fn.all.push(instance);
    return instance;
  }
}
