/**
 * What a poll pass tells the person on stderr: the one summary line, and, when the pass did not do
 * all it had to (events refused, a listing cut short), the one line that says why it exits 1.
 */
import type { PollCompletedDetail } from '#shared/events/contract.ts';
import type { CountingSink } from './counting-sink.ts';
import type { EventDestination } from './event-output.ts';

/** One line a person reads: what the poll saw and did. */
export function describeSummary(
  summary: PollCompletedDetail,
  options: { dryRun: boolean; destination: EventDestination; summaryRefused?: boolean },
): string {
  const { stores, events, dspm } = summary;
  const kind = `${summary.baseline ? 'baseline poll' : 'poll'} ${options.dryRun ? 'dry run done' : 'completed'}`;
  const completeness = summary.complete
    ? 'complete'
    : `INCOMPLETE (${summary.incompleteReason}); no removals reported`;
  return (
    `${kind} in ${(summary.durationMs / 1000).toFixed(1)} s, listing ${completeness}: ${stores.seen} stores, ` +
    `${stores.changed} changed, ${stores.discovered} discovered, ${stores.removed} removed, ${stores.unchanged} unchanged; ` +
    // The count is of store events; the dspm-poll-completed summary goes the same way after them.
    (options.summaryRefused
      ? `${events.published} store events ${whereTo(options.destination)}, ${events.failed} refused (the summary too), `
      : `${events.published} store events and the summary ${whereTo(options.destination)}, ${events.failed} refused, `) +
    `${stores.uncommitted} uncommitted; ` +
    `${dspm.requests} DSPM requests, ${dspm.retries} retries, ${dspm.throttled} throttled`
  );
}

/** Why a completed pass did not do all it had to, or undefined when it did. */
export function describeFailure(
  summary: PollCompletedDetail,
  sink: Pick<CountingSink, 'refused' | 'firstReason'>,
  listingError: Error | undefined,
): string | undefined {
  if (sink.refused > 0)
    return `${sink.refused} event(s) refused (${sink.firstReason}); their stores stay uncommitted and are sent again next poll`;
  if (listingError) return `the listing failed part-way (${listingError.message}); no removals were reported`;
  if (!summary.complete)
    return `the listing was incomplete (${summary.incompleteReason}); no removals were reported`;
  return undefined;
}

function whereTo(destination: EventDestination): string {
  switch (destination.kind) {
    case 'bus':
      return `published to ${destination.busName}`;
    case 'file':
      return `written to ${destination.path}`;
    case 'stdout':
      return 'written to stdout';
  }
}
