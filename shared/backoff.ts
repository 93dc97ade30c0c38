/**
 * Capped exponential backoff with full jitter, shared by every retry loop of the bridge (the DSPM
 * client, the EventBridge sink, the DynamoDB store) so none of them imports another's internals.
 */

/** The two numbers a backoff needs. */
export interface BackoffSettings {
  /** Base of the exponential backoff, in milliseconds (tests set it near zero). */
  readonly baseDelayMs: number;
  /** Cap on one delay. */
  readonly maxDelayMs: number;
}

/**
 * A random delay in [0, min(max, base * 2^(attempt-1))]. Full jitter spreads concurrent retries
 * best (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function backoffDelay(
  attempt: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
