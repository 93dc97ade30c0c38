/**
 * Drives the poller's task handler as one branch of the poll workflow does (moto cannot run
 * Lambda tasks inside Step Functions): `chunk` while it answers `more`, then `finish` when it
 * answers `listed`; any other answer ends the branch. The routes are the workflow's Choice
 * states', asserted on the synthesized definition in test/infra/poll-workflow.test.ts. The
 * definition itself is executed in test/integration/poll/poll-workflow-execution.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { WORKFLOW_STATUSES, type WorkflowTask } from '#shared/config/workflow-task.ts';
import { fakeContext } from './aws.ts';

/** The handler's shape, as a test imports it. */
export type PollStepHandler = (event: unknown, context: Context) => Promise<unknown>;

/** What one step returned (the fields the workflow reads, and the rest). */
export type StepResult = { status: string } & Record<string, unknown>;

/** Most chunks one branch may run before the helper gives up (a loop that never lists its pass). */
const MAX_CHUNKS = 500;

/** A runId as the workflow makes one: the execution's name and the tenant. */
export function workflowRunId(tenant: string, execution: string = randomUUID()): string {
  return `${execution}/${tenant}`;
}

/** One step, with its input as the workflow's task state builds it. */
export async function runStep(
  handler: PollStepHandler,
  task: WorkflowTask,
  context: Context = fakeContext('dspm-bridge-poller'),
): Promise<StepResult> {
  return (await handler(task, context)) as StepResult;
}

/**
 * One tenant's branch of one execution: every step's result, in order. A step that throws ends
 * the branch with that rejection (the workflow's Catch).
 */
export async function runTenantBranch(
  handler: PollStepHandler,
  options: { tenant: string; runId?: string; context?: () => Context },
): Promise<StepResult[]> {
  const runId = options.runId ?? workflowRunId(options.tenant);
  const context = options.context ?? (() => fakeContext('dspm-bridge-poller'));
  const steps: StepResult[] = [];
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const result = await runStep(handler, { step: 'chunk', tenant: options.tenant, runId }, context());
    steps.push(result);
    if (result.status === WORKFLOW_STATUSES.more) continue;
    if (result.status === WORKFLOW_STATUSES.listed) {
      steps.push(await runStep(handler, { step: 'finish', tenant: options.tenant, runId }, context()));
    }
    return steps;
  }
  throw new Error(`the branch of ${options.tenant} ran ${MAX_CHUNKS} chunks without listing its pass`);
}
