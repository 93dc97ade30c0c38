/**
 * Runs a state machine definition with the aws-local-stepfunctions interpreter (the Amazon States
 * Language: Map with ItemsPath, ItemSelector and MaxConcurrency, Choice, Pass, Retry and Catch by
 * error name, intrinsic functions, the execution's and each Task's TimeoutSeconds), every Task
 * state invoking its `Resource` on the simulated Lambda service as Step Functions would
 * (test/helpers/workflow-lambda-task.ts).
 *
 * Where the interpreter differs from Step Functions, and what this harness does about it:
 * - Retry waits: the interpreter's only way to shorten them is a fixed pause per retrier
 *   (`retryIntervalOverrides`), which drops BackoffRate and JitterStrategy. Each retrier's pause is
 *   its `IntervalSeconds` scaled by `retryTimeScale` (the definition's own number, in a faster
 *   clock); MaxAttempts, MaxDelaySeconds and the order of the retriers are the interpreter's, as
 *   in Step Functions (the counts start again each time a state is entered).
 * - Lambda service errors: see workflow-lambda-task.ts (the `Lambda.` names are made there).
 * - The context object holds only what is given here: the execution's Id, Name and StartTime,
 *   the state machine's Id and Name, and `$$.Map.Item` inside a Map.
 * - Not modelled: the 25,000-event history limit, execution-name uniqueness, HeartbeatSeconds and
 *   the DISTRIBUTED Map mode (the definition uses none of them; ProcessorConfig INLINE is the
 *   interpreter's only mode).
 */
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { MOTO_ACCOUNT } from './cfn-intrinsics.ts';
import type { SimulatedLambdaService } from './lambda-service.ts';
import { MOTO_AWS } from './moto.ts';
import { lambdaTask } from './workflow-lambda-task.ts';

/** One event of the interpreter's log (the package does not export the type). */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A definition as far as the harness reads it. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

/** One state, as far as the harness reads it. */
export interface AslState {
  Type: string;
  Resource?: string;
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number }[];
  ItemProcessor?: AslDefinition;
  Iterator?: AslDefinition;
  Branches?: AslDefinition[];
  [field: string]: unknown;
}

/** How an execution ended, with the interpreter's event log. */
export interface ExecutionRecord {
  readonly name: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly output?: unknown;
  /** `Error` and `Cause` of a failed execution. */
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly EventLog[];
}

/** Every state of `definition`, nested ones (Map processors, Parallel branches) included, by name. */
export function allStates(definition: AslDefinition): Map<string, AslState> {
  const states = new Map<string, AslState>();
  const walk = (machine: AslDefinition) => {
    for (const [name, state] of Object.entries(machine.States)) {
      states.set(name, state);
      for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) {
        if (nested) walk(nested);
      }
    }
  };
  walk(definition);
  return states;
}

/** A state machine of the harness: the definition, the Lambda service its tasks call, its clock. */
export class LocalWorkflow {
  readonly #machine: StateMachine;
  readonly #definition: AslDefinition;
  readonly #lambda: SimulatedLambdaService;
  readonly #retryTimeScale: number;
  readonly arn: string;

  /**
   * @param retryTimeScale real milliseconds per definition millisecond of a Retry interval
   *   (0.05: a 2 s interval pauses 100 ms).
   */
  constructor(options: {
    definition: AslDefinition;
    lambda: SimulatedLambdaService;
    name: string;
    retryTimeScale: number;
  }) {
    this.#definition = options.definition;
    this.#lambda = options.lambda;
    this.#retryTimeScale = options.retryTimeScale;
    this.arn = `arn:aws:states:${MOTO_AWS.region}:${MOTO_ACCOUNT}:stateMachine:${options.name}`;
    // The interpreter validates the definition (asl-validator, ARNs and paths checked) here.
    this.#machine = new StateMachine(options.definition as ConstructorParameters<typeof StateMachine>[0]);
  }

  /** Runs one execution named `name` with `input` to its end. */
  async run(name: string, input: unknown = {}): Promise<ExecutionRecord> {
    const states = allStates(this.#definition);
    const taskResourceLocalHandlers = Object.fromEntries(
      [...states]
        .filter(([, state]) => state.Type === 'Task')
        .map(([stateName, state]) => {
          if (!state.Resource?.startsWith('arn:aws:lambda:')) {
            throw new Error(
              `Task ${stateName} calls ${state.Resource}: only Lambda function ARNs are simulated`,
            );
          }
          return [stateName, lambdaTask(this.#lambda, state.Resource)];
        }),
    );
    const retryIntervalOverrides = Object.fromEntries(
      [...states]
        .filter(([, state]) => state.Retry !== undefined)
        .map(([stateName, state]) => [
          stateName,
          (state.Retry ?? []).map((retrier) => (retrier.IntervalSeconds ?? 1) * 1000 * this.#retryTimeScale),
        ]),
    );
    const execution = this.#machine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: {
        taskResourceLocalHandlers: taskResourceLocalHandlers as never,
        retryIntervalOverrides,
      },
      context: {
        Execution: { Id: `${this.arn.replace(':stateMachine:', ':execution:')}:${name}`, Name: name },
        StateMachine: { Id: this.arn, Name: this.arn.split(':').at(-1) },
      },
    });
    const events: EventLog[] = [];
    const logged = (async () => {
      for await (const event of execution.eventLogs) events.push(event);
    })();
    try {
      const output = await execution.result;
      await logged;
      return { name, status: 'SUCCEEDED', output, events };
    } catch (caught) {
      await logged;
      if (caught instanceof ExecutionTimeoutError) return { name, status: 'TIMED_OUT', events };
      const error = caught instanceof ExecutionError ? (caught.cause as Error) : (caught as Error);
      return { name, status: 'FAILED', error: error.name, cause: error.message, events };
    }
  }
}
