/**
 * Which close codes a person sets in ServiceNow mean a decision about the finding, and what
 * exception each becomes: `{"Risk Accepted": {"reason": "risk-accepted", "days": 90}}`. A close
 * code that is not in the mapping is no decision: the record stays closed, and no exception is
 * made (docs/operations.md, "Decisions come back").
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { EXCEPTION_REASONS } from '../events/detail-types.ts';
import type { ExceptionReason } from '../exceptions/exception-request.ts';

/** What one close code becomes. */
export interface DecisionRule {
  readonly reason: ExceptionReason;
  /** How long the exception lasts (the exceptions contract allows at most 365 days). */
  readonly days: number;
}

/** Close code -> rule. */
export type DecisionMapping = Readonly<Record<string, DecisionRule>>;

/** The mapping's schema, shared by the stack's configuration and the function's environment. */
export const decisionMappingSchema = z.record(
  z.string().check(z.minLength(1), z.maxLength(40)),
  z.strictObject({
    reason: z.enum(EXCEPTION_REASONS),
    days: z.number().check(z.int(), z.minimum(1), z.maximum(365)),
  }),
);

/** Reads the mapping from JSON text; throws naming what is wrong. */
export function parseDecisionMapping(text: string, name: string): DecisionMapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
  const parsed = decisionMappingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${name}: ${issue?.path.join('.') || '(mapping)'}: ${issue?.message ?? 'invalid'}`);
  }
  if (Object.keys(parsed.data).length === 0) throw new Error(`${name} maps no close code`);
  return parsed.data;
}
