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

/** Share of the remaining time a chunk lists for, before it stops at the next page. */
const LISTING_SHARE = 0.6;

/**
 * The `stopAtMs` of a chunk in a Lambda invocation: it starts no new page after this, so the
 * page in hand, its publish and commit, and the checkpoint finish well before `dspmDeadline`
 * and the timeout. `budgetMs` caps it further (a chunk length chosen by the operator or a
 * benchmark). Never before `nowMs`.
 */
export function chunkStopAt(nowMs: number, remainingMs: number, budgetMs?: number): number {
  const listFor = Math.max(0, remainingMs * LISTING_SHARE - RESERVE_MS);
  return nowMs + Math.min(listFor, budgetMs ?? listFor);
}
