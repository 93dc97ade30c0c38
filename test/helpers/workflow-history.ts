/**
 * Reads an execution's event log (aws-local-stepfunctions' StateEntered/Exited/Failed/Retried/
 * Caught events, nested Map events included) the way an operator reads an execution's history:
 * what each tenant's branch ended with, which task attempts failed with which error, and which
 * of them a Retry rule or a Catch took up.
 */
import type { ExecutionRecord } from './workflow-run.ts';

type Event = ExecutionRecord['events'][number];
type StateData = { name: string; type: string; input: unknown; output?: unknown };

/** A failed attempt of a state: which, whose input, and the error as Step Functions names it. */
export interface FailedAttempt {
  readonly state: string;
  readonly tenant: string | undefined;
  readonly error: string;
  readonly cause: string;
}

function stateOf(event: Event): StateData | undefined {
  return (event as { state?: StateData }).state;
}

/** The tenant a state's input belongs to (a branch's input carries it). */
function tenantOf(state: StateData | undefined): string | undefined {
  return (state?.input as { tenant?: string } | undefined)?.tenant;
}

/** Each tenant's outcome (`polled`, `skipped`, `failed`), from the Outcomes state and the Map's items. */
export function tenantOutcomes(record: ExecutionRecord): Record<string, string> {
  const tenants = record.events
    .map(stateOf)
    .find((state) => state?.name === 'Tenants' && state.output !== undefined)?.output as {
    tenants: string[];
  };
  const outcomes = record.events
    .filter((event) => event.type === 'StateExited')
    .map(stateOf)
    .find((state) => state?.name === 'Outcomes')?.output as { outcomes: string[] } | undefined;
  if (!tenants || !outcomes)
    throw new Error(`execution ${record.name} never left its Tenants and Outcomes states`);
  return Object.fromEntries(tenants.tenants.map((tenant, i) => [tenant, String(outcomes.outcomes[i])]));
}

/** Every failed attempt of a Task state, in order. */
export function failedAttempts(record: ExecutionRecord): FailedAttempt[] {
  return record.events
    .filter((event) => event.type === 'StateFailed')
    .map((event) => {
      const { Error: error, Cause: cause } = event as unknown as { Error: string; Cause: unknown };
      const state = stateOf(event);
      return { state: String(state?.name), tenant: tenantOf(state), error, cause: String(cause) };
    });
}

/** The attempts a Retry rule took up: the state, its tenant and the rule's ErrorEquals. */
export function retries(
  record: ExecutionRecord,
): { state: string; tenant: string | undefined; errors: string[] }[] {
  return record.events
    .filter((event) => event.type === 'StateRetried')
    .map((event) => {
      const state = stateOf(event);
      const { retry } = event as unknown as { retry: { retrier: { ErrorEquals: string[] } } };
      return { state: String(state?.name), tenant: tenantOf(state), errors: retry.retrier.ErrorEquals };
    });
}

/** The errors a Catch took up: the state, its tenant and the catcher's ErrorEquals. */
export function catches(
  record: ExecutionRecord,
): { state: string; tenant: string | undefined; errors: string[] }[] {
  return record.events
    .filter((event) => event.type === 'StateCaught')
    .map((event) => {
      const state = stateOf(event);
      const { catch: caught } = event as unknown as { catch: { catcher: { ErrorEquals: string[] } } };
      return { state: String(state?.name), tenant: tenantOf(state), errors: caught.catcher.ErrorEquals };
    });
}

/** What each of `tenant`'s task attempts returned (their `result`), in order. */
export function stepResults(record: ExecutionRecord, tenant: string): Record<string, unknown>[] {
  return (
    record.events
      .filter((event) => event.type === 'StateExited')
      .map(stateOf)
      .filter((state) => (state?.name === 'Chunk' || state?.name === 'Finish') && tenantOf(state) === tenant)
      .map((state) => state?.output as { result?: Record<string, unknown>; error?: unknown })
      // A caught attempt exits with `error` beside the previous step's result: it returned nothing.
      .filter((output) => output.error === undefined)
      .map((output) => output.result ?? {})
  );
}
