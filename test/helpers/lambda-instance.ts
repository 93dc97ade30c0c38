/**
 * One execution environment of a simulated Lambda function: a child process on the project's
 * Node 24 running test/helpers/lambda-warm-driver.mjs in a staged task root, which imports the
 * bundle once and then serves invocations one at a time. Between invocations the process is
 * frozen (SIGSTOP), as Lambda freezes an idle environment: its timers stand still and its kept-alive
 * sockets go stale, as they do in a deployed function. An invocation that outlives the function's
 * timeout, or a process that dies, is reported as the Lambda service reports it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { compileCacheEnvironment } from './compile-cache.ts';

/** What the runtime reports for a failed invocation (the Invoke API's payload with `FunctionError`). */
export interface RuntimeErrorReport {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** How one invocation ended. */
export type InstanceOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: RuntimeErrorReport };

type DriverMessage =
  | { type: 'init'; ok: boolean; error?: RuntimeErrorReport }
  | { type: 'result'; id: number; ok: boolean; result?: unknown; error?: RuntimeErrorReport };

/** A started environment. */
export class LambdaInstance {
  readonly id = randomUUID().replaceAll('-', '');
  /** Everything the process printed (Powertools writes one JSON object a line). */
  readonly output: string[] = [];
  readonly #child: ChildProcess;
  #next = 0;
  #pending: ((message: DriverMessage | { type: 'exit'; code: number | null }) => void) | undefined;
  #exited = false;
  #invocations = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.output.push(chunk));
    }
    child.on('message', (message: DriverMessage) => this.#pending?.(message));
    child.on('exit', (code) => {
      this.#exited = true;
      this.#pending?.({ type: 'exit', code });
    });
  }

  /**
   * Starts an environment (the cold start: the module is imported now) and resolves once its init
   * phase has ended, successfully or not (an init error is reported on each invocation, as Lambda
   * does).
   */
  static async start(options: {
    driver: string;
    taskRoot: string;
    environment: Record<string, string>;
  }): Promise<LambdaInstance> {
    const child = fork(options.driver, [], {
      cwd: options.taskRoot,
      // The run's compile cache is for Node.js itself; the function's code never reads it.
      env: { ...compileCacheEnvironment(), ...options.environment, LAMBDA_TASK_ROOT: options.taskRoot },
      execPath: process.execPath,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const instance = new LambdaInstance(child);
    const init = await instance.#await();
    if (init.type === 'exit') {
      throw new Error(
        `the environment exited (${init.code}) during init: ${instance.output.join('').slice(-2000)}`,
      );
    }
    instance.#freeze();
    return instance;
  }

  /** True while the process can take another invocation. */
  get alive(): boolean {
    return !this.#exited;
  }

  /** Invocations this environment has served. */
  get invocations(): number {
    return this.#invocations;
  }

  /** One invocation of function `arn` with `event`, given `timeoutMs` (the function's timeout). */
  async invoke(arn: string, event: unknown, timeoutMs: number): Promise<InstanceOutcome> {
    if (this.#exited) throw new Error(`environment ${this.id} has exited`);
    this.#invocations++;
    const id = ++this.#next;
    const requestId = randomUUID();
    this.#thaw();
    const answered = this.#await();
    this.#child.send({ id, event, requestId, deadlineMs: Date.now() + timeoutMs, invokedFunctionArn: arn });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const message = await Promise.race([answered, timedOut]).finally(() => clearTimeout(timer));
    if (message === 'timeout') {
      // Lambda ends an environment whose invocation timed out; the next one starts cold.
      this.stop();
      return fail(
        'Sandbox.Timedout',
        `RequestId: ${requestId} Error: Task timed out after ${timeoutMs / 1000} seconds`,
      );
    }
    if (message.type === 'exit') {
      return fail(
        'Runtime.ExitError',
        `RequestId: ${requestId} Error: Runtime exited with error: exit status ${message.code}`,
      );
    }
    if (message.type !== 'result' || message.id !== id)
      throw new Error(`unexpected message from the driver: ${JSON.stringify(message)}`);
    this.#freeze();
    return message.ok
      ? { ok: true, result: message.result ?? null }
      : { ok: false, error: message.error ?? { errorType: 'Unknown', errorMessage: 'no error report' } };
  }

  /** Ends the process (SIGKILL ends a frozen process too). */
  stop(): void {
    if (this.#exited) return;
    this.#child.kill('SIGKILL');
  }

  #await(): Promise<DriverMessage | { type: 'exit'; code: number | null }> {
    return new Promise((resolve) => {
      this.#pending = (message) => {
        this.#pending = undefined;
        resolve(message);
      };
    });
  }

  #freeze(): void {
    if (!this.#exited) this.#child.kill('SIGSTOP');
  }

  #thaw(): void {
    if (!this.#exited) this.#child.kill('SIGCONT');
  }
}

function fail(errorType: string, errorMessage: string): InstanceOutcome {
  return { ok: false, error: { errorType, errorMessage } };
}
