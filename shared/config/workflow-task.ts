/**
 * The contract between the poll workflow (infra/constructs/poll-workflow.ts) and the poller's
 * task handler (functions/poll-data-stores.ts): the input each task state sends, and the statuses
 * the workflow's Choice routes on. One module, so the state machine and the handler cannot drift
 * apart on a field name.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { ConfigError } from '../errors.ts';

/** The steps of one tenant's poll run. */
export const WORKFLOW_STEPS = ['chunk', 'finish'] as const;

/** What a task state sends the poller. */
export const workflowTaskSchema = z.strictObject({
  /** `chunk`: list from the checkpoint on; `finish`: removals, summary, release the lease. */
  step: z.enum(WORKFLOW_STEPS),
  /** The tenant's host, as configured (`acme.goskope.com`). */
  tenant: z.string().check(z.minLength(1), z.maxLength(253)),
  /** The lease holder, the same for every step of one tenant in one execution. */
  runId: z.string().check(z.minLength(1), z.maxLength(512)),
});

/** A validated task input. */
export type WorkflowTask = z.infer<typeof workflowTaskSchema>;

/**
 * Statuses a task returns, by what the workflow does next: `more` runs another chunk, `listed`
 * the finish step; the others end the tenant's branch without a failure.
 */
export const WORKFLOW_STATUSES = {
  more: 'more',
  listed: 'listed',
  completed: 'completed',
  skipped: 'skipped',
  tokenNotSet: 'token-not-set',
} as const;

/** The task input was not what the workflow sends: a state machine edited by hand, or a manual invoke. */
export class WorkflowTaskInputError extends ConfigError {}

/**
 * Checks a task input.
 * @throws WorkflowTaskInputError naming the field and what was expected.
 */
export function parseWorkflowTask(input: unknown): WorkflowTask {
  const result = workflowTaskSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = (issue?.path ?? []).map(String).join('.') || 'the input';
  throw new WorkflowTaskInputError(
    `poller task input: ${field}: ${issue?.message ?? 'is not valid'}; expected {"step": "chunk" | "finish", "tenant": "<host>", "runId": "<id>"} (what the poll workflow sends)`,
  );
}
