/**
 * SQS intake: how every queue handler (tagger, ServiceNow follower, Slack, Security Hub) reads a
 * record's body and what it does with one it cannot read (docs/reliability.md, "Malformed
 * records").
 *
 * A malformed record can never succeed on a retry, so it is parked at once: sent to the handler's
 * dead-letter queue with its reason and acknowledged, and the batch goes on. Where it cannot be
 * parked (no dead-letter queue configured, or the send failed) it is reported as a batch item
 * failure instead, never acknowledged: SQS redelivers it and the queue's redrive policy moves it
 * to the dead-letter queue after its receives. Either way one error line names the message id and
 * the reason, so no record is lost silently.
 */
import type * as z from 'zod/mini';
import '../zod-messages.ts';
import { BridgeError } from '../errors.ts';
import type { DeadLetterSink } from '../events/dead-letter.ts';
import type { Logger } from '../logger.ts';

/** One SQS record as the intake sees it. */
export interface IntakeRecord {
  readonly messageId: string;
  readonly body: string;
}

/** Where a handler parks what it cannot read, and where it says so. */
export interface IntakePorts {
  /** Absent when the handler runs without `DEAD_LETTER_QUEUE_URL`. */
  readonly deadLetters: DeadLetterSink | undefined;
  readonly logger: Logger;
}

/** A body read against its schema, or the reason it is malformed. */
export type ReadRecord<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** How many schema issues a reason names (the dead-letter attribute holds 1,000 characters). */
const MAX_ISSUES = 3;

/**
 * The one reason format for a malformed record: what it is not, what was wrong, and the SQS
 * message id (the dead-letter copy gets a new id; this one finds the log line).
 */
export function malformedReason(record: IntakeRecord, expected: string, problem: string): string {
  return `not a ${expected}: ${problem} (SQS message ${record.messageId})`;
}

/** Reads `record.body` as JSON checked against `schema`; never throws. */
export function readRecord<T>(
  record: IntakeRecord,
  schema: z.ZodMiniType<T>,
  expected: string,
): ReadRecord<T> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { ok: false, reason: malformedReason(record, expected, 'the message body is not JSON') };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problem = parsed.error.issues
    .slice(0, MAX_ISSUES)
    .map((issue) => `${issue.path.map(String).join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason: malformedReason(record, expected, problem) };
}

/**
 * Parks a malformed record in the dead-letter queue; `false` when it could not (no queue, or the
 * send failed), so the caller reports it as a batch item failure. Logs one error line either way.
 */
export async function parkMalformed(
  record: IntakeRecord,
  reason: string,
  ports: IntakePorts,
): Promise<boolean> {
  const { deadLetters, logger } = ports;
  if (!deadLetters) {
    logger.error(
      'malformed record not parked (no dead-letter queue); failed so the redrive policy moves it',
      {
        messageId: record.messageId,
        reason,
      },
    );
    return false;
  }
  try {
    await deadLetters.send(record.body, reason);
  } catch (error) {
    logger.error('malformed record not parked (the dead-letter send failed); failed so SQS redelivers it', {
      messageId: record.messageId,
      reason,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
  logger.error('malformed record parked in the dead-letter queue', { messageId: record.messageId, reason });
  return true;
}

/**
 * Thrown inside a batch processor's record handler for a malformed record that could not be
 * parked. Not retryable: the record fails until the redrive policy parks it, never succeeds.
 */
export class MalformedRecordError extends BridgeError {
  readonly retryable = false;
  readonly messageId: string;

  constructor(messageId: string, reason: string) {
    super(reason);
    this.messageId = messageId;
  }
}

/**
 * {@link parkMalformed} for a per-record handler under Powertools' batch processor: returns when
 * parked, throws {@link MalformedRecordError} when not, which the processor turns into a batch
 * item failure (and, on a FIFO queue, holds the rest of the group back, keeping the order).
 */
export async function parkOrFail(record: IntakeRecord, reason: string, ports: IntakePorts): Promise<void> {
  if (!(await parkMalformed(record, reason, ports))) throw new MalformedRecordError(record.messageId, reason);
}
