/**
 * Stage of applying an observation: hold the store's lock while the rest runs, so tag writes for
 * one store never interleave (the Lambda's concurrent batches, the sweep, the CLI).
 */
import { TransientError } from '../../errors.ts';
import type { ProtectionPorts, ProtectionSettings } from '../apply-protection.ts';

/**
 * Runs `work` while holding the store's lock, and releases it however `work` ends.
 * @throws TransientError when the lock stays taken for `lockWaitMs` (the event is retried).
 */
export async function underStoreLock<T>(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  storeId: number,
  eventId: string,
  work: () => Promise<T>,
): Promise<T> {
  // Unique per attempt, so a retry of the same event never releases another attempt's lock.
  const holder = `${eventId}:${Math.random().toString(36).slice(2)}`;
  await lockStore(ports, settings, storeId, holder);
  try {
    return await work();
  } finally {
    await ports.state.unlockStore(ports.tenant, storeId, holder);
  }
}

async function lockStore(
  ports: ProtectionPorts,
  settings: ProtectionSettings,
  storeId: number,
  holder: string,
): Promise<void> {
  const deadline = ports.clock.now() + settings.lockWaitMs;
  for (let attempt = 1; ; attempt++) {
    if (
      await ports.state.tryLockStore(
        ports.tenant,
        storeId,
        holder,
        new Date(ports.clock.now()),
        settings.lockTtlMs,
      )
    )
      return;
    if (ports.clock.now() >= deadline)
      throw new TransientError(
        `store ${storeId} stayed locked for ${settings.lockWaitMs} ms; the event will be retried`,
      );
    await ports.clock.sleep(Math.min(1_000, 20 * attempt) + Math.floor(Math.random() * 20));
  }
}
