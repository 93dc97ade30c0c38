/**
 * Stage of applying an observation: the store's `unprotected` finding. It holds while the store
 * is marked unprotected, clears when it is protected again, and is suppressed while a person's
 * exception covers it (expiry and revocation applied on the tagger's next run for the store).
 */
import type { ConnectedDataStore } from '../../dspm/schemas.ts';
import {
  exceptionsInForce,
  findingCoverageOf,
  subjectOfStore,
  tagIdsByName,
} from '../../exceptions/coverage.ts';
import { type FindingCoverage, stepCoveredFinding, UNCOVERED } from '../../findings/apply-exceptions.ts';
import type { FindingTransition } from '../../findings/transition.ts';
import type { ProtectionRecord } from '../../state/protection-records.ts';
import type { ProtectionPorts, ProtectionSettings } from '../apply-protection.ts';
import type { BackupObservation } from '../observation.ts';

/**
 * The finding's steps for this observation: empty when nothing moves, or the condition is off.
 * Exceptions are matched on the store as DSPM has it now.
 */
export async function stepUnprotectedFinding(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  record: ProtectionRecord | undefined,
  observation: BackupObservation,
  store: ConnectedDataStore,
): Promise<FindingTransition[]> {
  const coverage = await unprotectedCoverage(ports, store);
  const setting = settings.unprotectedFinding ?? 'medium';
  if (setting === 'off' || setting === 'level') return [];
  return stepCoveredFinding(
    'unprotected',
    record?.unprotectedFinding,
    observation.protected ? null : setting,
    observation.observedAt,
    false,
    coverage,
  );
}

/** The exceptions as the store's `unprotected` finding sees them. */
async function unprotectedCoverage(
  ports: ProtectionPorts,
  store: ConnectedDataStore,
): Promise<FindingCoverage> {
  const all = (await ports.exceptions?.listExceptions(ports.tenant)) ?? [];
  if (all.length === 0) return UNCOVERED;
  const catalog = await ports.catalog.get();
  const inForce = exceptionsInForce(
    ports.tenant,
    all.map(({ exception }) => exception),
    new Date(ports.clock.now()),
    tagIdsByName(catalog.tags.values()),
  );
  return findingCoverageOf(inForce, subjectOfStore(store));
}
