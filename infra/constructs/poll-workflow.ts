/**
 * The poll as a Step Functions STANDARD workflow, started by an EventBridge Scheduler schedule, so
 * a tenant of any size is polled in chunks of one Lambda invocation each, and many tenants side by
 * side:
 *
 *   Tenants (the configured hosts) -> Map over tenants (bounded concurrency), per tenant:
 *     Chunk -> more: Chunk again | listed: Finish | skipped, token-not-set: that tenant is done
 *   -> any tenant failed? -> Fail (the execution fails; its alarm fires) | Succeed
 *
 * Each tenant's run holds that tenant's poll lease under one runId (execution name and host), so
 * two executions never poll one tenant at once: the later one's Chunk answers `skipped`. A Catch
 * per tenant keeps one tenant's failure from stopping the others; the Fail after the Map makes it
 * visible.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  Result,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { WORKFLOW_STATUSES, type WorkflowTask } from '#shared/config/workflow-task.ts';
import { scheduleDeadLetters } from './scheduled-function.ts';

/** Props of the workflow. */
export interface PollWorkflowProps {
  /** The poller Lambda: the task handler of both steps. */
  readonly poller: IFunction;
  /** Its timeout: a task waits that long, and a minute more, before giving up on an invocation. */
  readonly pollerTimeout: Duration;
  /** The tenant hosts, in order. */
  readonly tenants: readonly string[];
  /** Most tenants polled at once. */
  readonly maxConcurrency: number;
  /** Scheduler expression (`rate(15 minutes)`). */
  readonly expression: string;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
}

/**
 * How long one execution may run, all tenants together. Long enough for a baseline of millions of
 * stores at a few requests a second; the chunk count it allows stays far inside the 25,000-event
 * history of one execution (docs/operations.md, "The poll workflow").
 */
export const WORKFLOW_TIMEOUT = Duration.hours(6);

/** What one tenant's branch ends with; the Map's result is a list of these. */
export const TENANT_OUTCOMES = { polled: 'polled', skipped: 'skipped', failed: 'failed' } as const;

/**
 * Errors the Lambda service raises (its own faults, throttling at the reserved concurrency):
 * always worth another try.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** Lambda refused the invocation for want of a slot of the poller's reserved concurrency. */
export const BUSY_ERRORS = ['Lambda.TooManyRequestsException'] as const;

/**
 * The bridge's own passing errors, by the class name the handler's error carries (Step Functions
 * matches the Lambda's `errorType`): a dependency was down, DSPM answered 5xx, a connection
 * failed, DSPM kept refusing with 429, or the run's lease was taken over (its retry then finds
 * the lease held and ends the tenant as skipped). Anything else (auth, permission,
 * configuration, a bad input, `PollListingFailedError` after the summary) fails at once: trying
 * again cannot help.
 */
export const BRIDGE_TRANSIENT_ERRORS = [
  'TransientError',
  'LeaseLostError',
  'DspmServerError',
  'DspmConnectionError',
  'DspmRateLimitError',
] as const;

/**
 * The step ran out of its DSPM time budget before it could start its work: the tenant asked for
 * a wait (`Retry-After`) that a warm client keeps honouring, or DSPM answered too slowly. Another
 * invocation after a wait goes on from the checkpoint.
 */
export const TIME_BUDGET_ERRORS = ['DspmTimeBudgetError'] as const;

/**
 * No wait between attempts exceeds this: the tenant's lease is kept between steps, not renewed,
 * so a wait must stay well inside its TTL (the stack sets POLL_LEASE_TTL_SECONDS=120).
 */
export const MAX_RETRY_DELAY = Duration.seconds(30);

/** The workflow, its schedule and the schedule's dead-letter queue. */
export class PollWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PollWorkflowProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(this.#definition(props)),
      timeout: WORKFLOW_TIMEOUT,
      tracingEnabled: props.tracing,
      // Every state's input and output: tenant, runId and the small result of each step; no
      // token or store data passes through the workflow.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (logs:CreateLogDelivery and the rest) and X-Ray segments take no resource-level permission.',
    });
    if (!props.tracing) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SF2',
        reason: 'Tracing is turned off in the stack configuration (tracing: false), for the functions too.',
      });
    }

    this.deadLetterQueue = scheduleDeadLetters(this);
    this.schedule = new Schedule(this, 'Schedule', {
      schedule: ScheduleExpression.expression(props.expression),
      description: 'Poll Netskope One DSPM: start the poll workflow',
      target: new StepFunctionsStartExecution(this.stateMachine, {
        // The tenants are in the definition; an execution needs no input.
        input: ScheduleTargetInput.fromObject({}),
        retryAttempts: 2,
        maxEventAge: Duration.minutes(10),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }

  #definition(props: PollWorkflowProps) {
    // A Pass whose result replaces its input: the branch's whole output is the outcome string.
    const outcome = (name: string, value: string) =>
      new Pass(this, name, { result: Result.fromString(value) });
    const polled = outcome('TenantPolled', TENANT_OUTCOMES.polled);
    const skipped = outcome('TenantSkipped', TENANT_OUTCOMES.skipped);
    const failed = outcome('TenantFailed', TENANT_OUTCOMES.failed);

    const chunk = this.#step('Chunk', 'chunk', props);
    const finish = this.#step('Finish', 'finish', props);
    for (const task of [chunk, finish]) {
      // Still throttled after its retries: every reserved poller slot is busy, which (the slots
      // being one per tenant polled at once) means another execution is polling. Like a held
      // lease, that ends the branch quietly; the next execution goes on from the checkpoint.
      task.addCatch(skipped, { errors: [...BUSY_ERRORS], resultPath: '$.error' });
      task.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    }
    const status = '$.result.status';
    // Another run holds the tenant, or its token is not set yet: the branch ends without a failure.
    const nothingToDo = Condition.or(
      Condition.stringEquals(status, WORKFLOW_STATUSES.skipped),
      Condition.stringEquals(status, WORKFLOW_STATUSES.tokenNotSet),
    );
    const afterChunk = new Choice(this, 'AfterChunk')
      .when(Condition.stringEquals(status, WORKFLOW_STATUSES.more), chunk)
      .when(Condition.stringEquals(status, WORKFLOW_STATUSES.listed), finish)
      .when(nothingToDo, skipped)
      .otherwise(failed);
    const afterFinish = new Choice(this, 'AfterFinish')
      .when(Condition.stringEquals(status, WORKFLOW_STATUSES.completed), polled)
      .when(nothingToDo, skipped)
      .otherwise(failed);
    chunk.next(afterChunk);
    finish.next(afterFinish);

    const tenants = new MapState(this, 'PollTenants', {
      itemsPath: '$.tenants',
      maxConcurrency: props.maxConcurrency,
      itemSelector: {
        tenant: JsonPath.stringAt('$$.Map.Item.Value'),
        // One lease holder per tenant per execution: every step of this branch re-enters it.
        runId: JsonPath.format(
          '{}/{}',
          JsonPath.stringAt('$$.Execution.Name'),
          JsonPath.stringAt('$$.Map.Item.Value'),
        ),
      },
      resultPath: '$.outcomes',
    });
    tenants.itemProcessor(chunk);

    return new Pass(this, 'Tenants', { result: Result.fromObject({ tenants: [...props.tenants] }) })
      .next(tenants)
      .next(
        new Pass(this, 'Outcomes', {
          parameters: {
            outcomes: JsonPath.listAt('$.outcomes'),
            anyFailed: JsonPath.arrayContains(JsonPath.listAt('$.outcomes'), TENANT_OUTCOMES.failed),
          },
        }),
      )
      .next(
        new Choice(this, 'AnyTenantFailed')
          .when(
            Condition.booleanEquals('$.anyFailed', true),
            new Fail(this, 'PollFailed', {
              error: 'TenantPollFailed',
              cause:
                "At least one tenant's poll failed; the execution's history shows which (TenantFailed) and why",
            }),
          )
          .otherwise(new Succeed(this, 'Polled')),
      );
  }

  /** A task state invoking the poller for `step`, with its retries. */
  #step(id: string, step: WorkflowTask['step'], props: PollWorkflowProps): LambdaInvoke {
    const task = new LambdaInvoke(this, id, {
      lambdaFunction: props.poller,
      payload: TaskInput.fromObject({
        step,
        tenant: JsonPath.stringAt('$.tenant'),
        runId: JsonPath.stringAt('$.runId'),
      } satisfies Record<keyof WorkflowTask, unknown>),
      payloadResponseOnly: true,
      resultPath: '$.result',
      retryOnServiceExceptions: false,
      taskTimeout: Timeout.duration(props.pollerTimeout.plus(Duration.minutes(1))),
    });
    task.addRetry({
      errors: [...LAMBDA_SERVICE_ERRORS],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 6,
      maxDelay: MAX_RETRY_DELAY,
      jitterStrategy: JitterType.FULL,
    });
    task.addRetry({
      errors: [...TIME_BUDGET_ERRORS],
      interval: Duration.seconds(15),
      backoffRate: 2,
      maxAttempts: 4,
      maxDelay: MAX_RETRY_DELAY,
      jitterStrategy: JitterType.FULL,
    });
    task.addRetry({
      errors: [...BRIDGE_TRANSIENT_ERRORS],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 3,
      maxDelay: MAX_RETRY_DELAY,
      jitterStrategy: JitterType.FULL,
    });
    return task;
  }
}
