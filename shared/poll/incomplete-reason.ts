/**
 * Why was this poll incomplete? Every reason a poll's pass can end without a complete listing is
 * built here, and lands in the checkpoint's `listing.reason`, then in the summary's
 * `incompleteReason` and the tenant's `lastPoll` (what `dspm-bridge status` shows). An incomplete
 * poll reports no removals. The reasons, and where the chunk decides on them (chunk-next.ts):
 *
 * - the listing failed part-way (after the client's retries): the error's own message, which the
 *   listing also reports as `listing failed: ...` (dspm/listing.ts);
 * - no page was listed in `MAX_STALLED_CHUNKS` chunks in a row (a 429 storm that eats every
 *   chunk's time budget): `stalledReason`;
 * - the poll in progress was older than `MAX_POLL_AGE_MS` when a chunk went on with it:
 *   `abandonedReason`;
 * - the caller stopped it (Ctrl-C): `STOPPED_EARLY`;
 * - the pass listed to its end but did not add up: a page's `total` moved in another chunk
 *   (`totalChangedReason`), or the listing's own report (dspm/listing.ts: the total changed
 *   within the listing, or the distinct ids do not match the total), else `DID_NOT_ADD_UP`.
 */

/** Chunks in a row that list no page before the poll ends incomplete (a 429 storm eats each budget). */
export const MAX_STALLED_CHUNKS = 3;

/**
 * A poll in progress older than this is ended, incomplete, rather than continued: its seen ids
 * describe a tenant long gone, and the schedule's next poll starts afresh.
 */
export const MAX_POLL_AGE_MS = 24 * 3600_000;

/** Why a pass stopped by the caller (Ctrl-C) is incomplete. */
export const STOPPED_EARLY = 'stopped before the listing finished';

/** Why a pass that listed to its end is incomplete when the listing gave no reason of its own. */
export const DID_NOT_ADD_UP = 'the listing did not add up';

/** What the summary and the tenant's facts say when an incomplete pass recorded no reason. */
export const UNKNOWN_REASON = 'unknown';

/** The pass stalled: `MAX_STALLED_CHUNKS` chunks in a row listed nothing (`cause`: the last one's error). */
export function stalledReason(cause: Error | undefined): string {
  return `no page was listed in ${MAX_STALLED_CHUNKS} chunks in a row${cause ? ` (${cause.message})` : ''}`;
}

/** The poll in progress, begun at `startedAt` (ISO), was too old to continue. */
export function abandonedReason(startedAt: string): string {
  return `the poll began at ${startedAt} and was abandoned after ${MAX_POLL_AGE_MS / 3600_000} h`;
}

/** The listing failed part-way: its error says why. */
export function failedReason(error: Error): string {
  return error.message;
}

/** A page of a later chunk reported another `total` than the pass's first page. */
export function totalChangedReason(total: number | undefined, changedTo: number): string {
  return `total changed from ${total} to ${changedTo} during the pass`;
}

/**
 * Why a pass that was listed to its end is incomplete, or undefined when it is complete: no
 * `total` moved in any chunk, and the listing's own report adds up.
 */
export function listedPassReason(
  listing: { readonly total?: number | undefined; readonly totalChangedTo?: number | undefined },
  report: { readonly complete: boolean; readonly reason: string | undefined },
): string | undefined {
  if (listing.totalChangedTo !== undefined) return totalChangedReason(listing.total, listing.totalChangedTo);
  if (!report.complete) return report.reason ?? DID_NOT_ADD_UP;
  return undefined;
}

/** The reason the summary and the tenant's facts carry: null for a complete pass. */
export function incompleteReasonOf(listing: {
  readonly state: string;
  readonly complete: boolean;
  readonly reason?: string | undefined;
}): string | null {
  if (listing.state === 'listed' && listing.complete) return null;
  return listing.reason ?? UNKNOWN_REASON;
}

/** The message of the error a finish step reports for a pass whose listing failed. */
export function listingFailedMessage(reason: string | undefined): string {
  return `the listing failed part-way: ${reason ?? 'no reason recorded'}`;
}
