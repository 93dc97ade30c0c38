/**
 * Handing a message back to SQS for as long as ServiceNow asked the bridge to wait. ServiceNow's
 * rate limit rules count requests per hour, and its `Retry-After` counts to the end of that hour:
 * a wait that long does not fit in one invocation, and retrying sooner is refused again and walks
 * the message towards the dead-letter queue. So the message's visibility timeout is set to the
 * wait (ChangeMessageVisibility, through shared/aws/hold-records.ts) and the record is reported
 * failed: SQS hands it over again when ServiceNow will take it, and a FIFO group waits behind it
 * in order.
 */
import { ServiceNowError } from './errors.ts';

/** SQS's longest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The seconds to hand a failed record back for: ServiceNow's `Retry-After` when it is longer than
 * the client could wait within the invocation (`maxWaitMs`), rounded up and capped at 12 hours;
 * undefined otherwise (the record goes back after the queue's own visibility timeout).
 */
export function handBackSeconds(error: unknown, maxWaitMs: number): number | undefined {
  if (!(error instanceof ServiceNowError) || error.retryAfterMs === undefined) return undefined;
  if (error.retryAfterMs <= maxWaitMs) return undefined;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
}
