/**
 * One backup event from the queue (or a file), end to end: parse, normalise, apply. The tagger
 * Lambda and `dspm-bridge backup-event` both call this, so they behave exactly alike.
 */
import {
  applyBackupObservation,
  type ProtectionOutcome,
  type ProtectionPorts,
  type ProtectionSettings,
} from './apply-protection.ts';
import { normalizeBackupEvent } from './normalize.ts';
import { BackupEventError } from './observation.ts';

/** What became of the event. */
export type HandledBackupEvent =
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly why: string }
  | { readonly kind: 'applied'; readonly outcome: ProtectionOutcome };

/**
 * Handles one event body (JSON text). A malformed event is reported, not thrown: retrying it can
 * never help, so the caller sends it to the dead-letter path and goes on with the batch.
 * @throws when DSPM, the state or the bus fails (worth a retry).
 */
export async function handleBackupEvent(
  body: string,
  ports: ProtectionPorts,
  settings: ProtectionSettings & { readonly acceptedSources: ReadonlySet<string> },
): Promise<HandledBackupEvent> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    return { kind: 'malformed', reason: `(event): not JSON: ${(error as Error).message}` };
  }
  let normalized: ReturnType<typeof normalizeBackupEvent>;
  try {
    normalized = normalizeBackupEvent(raw, { acceptedSources: settings.acceptedSources });
  } catch (error) {
    if (error instanceof BackupEventError) return { kind: 'malformed', reason: error.message };
    throw error;
  }
  if (normalized.kind === 'ignored') return normalized;
  return { kind: 'applied', outcome: await applyBackupObservation(ports, settings, normalized.observation) };
}
