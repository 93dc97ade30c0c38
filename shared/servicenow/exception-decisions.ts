/**
 * The decision port on top of the exceptions store (**adapter**): a decision's exception gets the
 * id `decisionExceptionId(key)`, so recording the same decision again (a run that crashed after
 * the exception was stored and before its decision item was) finds it instead of making a
 * second one.
 */
import type { ExceptionRequest } from '../exceptions/exception-request.ts';
import { type DecisionRecorder, decisionExceptionId } from './sync-decisions.ts';

/** What the adapter needs from the exceptions use cases. */
export interface ExceptionWriter {
  /** Whether the tenant has an exception with this id. */
  exists(tenant: string, exceptionId: string): Promise<boolean>;
  /** Validates, stores and announces the exception `request` asks for, under `exceptionId`. */
  create(request: ExceptionRequest, exceptionId: string): Promise<void>;
}

/** Decisions recorded as exceptions, once each. */
export class ExceptionDecisions implements DecisionRecorder {
  readonly #writer: ExceptionWriter;

  constructor(writer: ExceptionWriter) {
    this.#writer = writer;
  }

  async recordDecision(request: ExceptionRequest, key: string): Promise<{ exceptionId: string }> {
    const exceptionId = decisionExceptionId(key);
    if (!(await this.#writer.exists(request.tenant, exceptionId))) {
      await this.#writer.create(request, exceptionId);
    }
    return { exceptionId };
  }
}
