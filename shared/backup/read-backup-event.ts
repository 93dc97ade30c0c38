/**
 * First stage of the event path: one record's body (JSON text) read into a `BackupObservation`,
 * an event that changes nothing, or the reason it is malformed (normalize.ts reads the fields).
 */
import { normalizeBackupEvent } from './normalize.ts';
import { BackupEventError, type NormalizedEvent } from './observation.ts';

/** A body that can never be applied, with the field and what was wrong. */
export interface MalformedBackupEvent {
  readonly kind: 'malformed';
  readonly reason: string;
}

/**
 * Reads one body. A malformed event is reported, not thrown: retrying it can never help.
 * @throws only what is not a `BackupEventError` (a bug, not bad input).
 */
export function readBackupEvent(
  body: string,
  acceptedSources: ReadonlySet<string>,
): NormalizedEvent | MalformedBackupEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    return { kind: 'malformed', reason: `(event): not JSON: ${(error as Error).message}` };
  }
  try {
    return normalizeBackupEvent(raw, { acceptedSources });
  } catch (error) {
    if (error instanceof BackupEventError) return { kind: 'malformed', reason: error.message };
    throw error;
  }
}
