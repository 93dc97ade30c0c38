/**
 * Which record a finding occurrence is written to. The contract keeps one `correlationId` per
 * occurrence (`<tenant>/data-store/<id>/finding/<condition>/<occurrence>`); an exception that ends
 * while the condition still holds does not start a new occurrence, yet the record the bridge
 * closed for the exception must stay closed. So each occurrence has rounds: round 1 is keyed by
 * the correlation id itself, and every `-unsuppressed` starts the next round, keyed
 * `<correlationId>/r<round>`. The follower's progress table keeps the round per occurrence.
 */

/** A record's `correlation_id` read back. */
export interface RecordKey {
  readonly tenant: string;
  readonly findingId: string;
  readonly correlationId: string;
  readonly round: number;
}

/** ServiceNow's `correlation_id` column holds 100 characters. */
export const RECORD_KEY_MAX = 100;

/** The `correlation_id` of `round` of the occurrence `correlationId`. */
export function recordKey(correlationId: string, round: number): string {
  return round <= 1 ? correlationId : `${correlationId}/r${round}`;
}

const KEY =
  /^(?<findingId>(?<tenant>[^/]+)\/data-store\/[^/]+\/finding\/[^/]+)\/(?<occurrence>\d+)(?:\/r(?<round>\d+))?$/;

/** Reads a `correlation_id` the bridge wrote; undefined for anything else. */
export function parseRecordKey(key: string): RecordKey | undefined {
  const match = KEY.exec(key);
  const groups = match?.groups;
  if (!groups?.findingId || !groups.tenant || !groups.occurrence) return undefined;
  const round = groups.round === undefined ? 1 : Number(groups.round);
  return {
    tenant: groups.tenant,
    findingId: groups.findingId,
    correlationId: `${groups.findingId}/${groups.occurrence}`,
    round,
  };
}
