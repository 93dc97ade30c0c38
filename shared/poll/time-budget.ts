/**
 * How long a poll may spend on DSPM calls within one invocation. The rest of the invocation is
 * kept for publishing what was seen and committing it, so a 429 storm ends in an incomplete poll
 * with a reason, never in a Lambda timeout that commits nothing.
 */

/** Share of the remaining time kept for publishing and committing, and a fixed reserve on top. */
const PUBLISH_SHARE = 0.2;
const RESERVE_MS = 5_000;

/**
 * The epoch millisecond after which no DSPM call may start or wait: `remainingMs` (the Lambda
 * context's remaining time) less a fifth and five seconds. Never before `nowMs`.
 */
export function dspmDeadline(nowMs: number, remainingMs: number): number {
  return nowMs + Math.max(0, remainingMs * (1 - PUBLISH_SHARE) - RESERVE_MS);
}
