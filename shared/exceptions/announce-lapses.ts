/**
 * Use case: what the bridge itself notices about exceptions, once each (adapter -> **use case**
 * -> domain). On every poll: an exception past its `expiresAt` gets its `expired` entry and event;
 * one within seven days of it, its `expiring` reminder. Published first, audited after: a refused
 * event leaves no entry, so the next poll sends it again under the same eventId; an entry already
 * there (another chunk, another poll) is never written twice.
 */
import type { FindingException } from '../events/contract.ts';
import type { EventSink } from '../events/sink.ts';
import type { Logger } from '../logger.ts';
import { buildExceptionChanged, type ExceptionEventContext } from './exception-event.ts';
import type { AuditEntry, AuditedException, ExceptionStore } from './exception-store.ts';
import { EXPIRING_NOTICE_DAYS } from './expiry.ts';

/** What announcing lapses needs. */
export interface LapsePorts {
  readonly store: ExceptionStore;
  readonly sink: EventSink;
  readonly logger: Logger;
  readonly events: ExceptionEventContext;
}

const NOTICE_MS = EXPIRING_NOTICE_DAYS * 24 * 3600_000;

/** The entries the bridge owes at `now` and has not written yet (pure). */
export function lapsesDue(exceptions: readonly AuditedException[], now: Date): AuditEntry[] {
  const due: AuditEntry[] = [];
  for (const { exception, audit } of exceptions) {
    if (exception.revokedAt !== null) continue;
    const has = (action: AuditEntry['action']) => audit.some((entry) => entry.action === action);
    const endMs = Date.parse(exception.expiresAt);
    if (endMs <= now.getTime()) {
      // When it expired is its expiresAt, whenever the poll noticed: the entry says what happened.
      if (!has('expired')) due.push(bridgeEntry(exception, 'expired', exception.expiresAt));
    } else if (endMs - NOTICE_MS <= now.getTime() && !has('expiring')) {
      due.push(bridgeEntry(exception, 'expiring', now.toISOString()));
    }
  }
  return due;
}

/**
 * Publishes and audits the lapses due at `now`. Never throws for one refused event or failed
 * write: it is logged, and the next poll tries again.
 * @returns how many entries were written.
 */
export async function announceLapses(
  ports: LapsePorts,
  exceptions: readonly AuditedException[],
  now: Date,
): Promise<number> {
  const due = lapsesDue(exceptions, now);
  if (due.length === 0) return 0;
  const byId = new Map(exceptions.map(({ exception }) => [exception.exceptionId, exception]));
  const events = due.map((entry) =>
    buildExceptionChanged(ports.events, byId.get(entry.exceptionId) as FindingException, entry),
  );
  const results = await ports.sink.publish(events);
  let written = 0;
  for (const [index, entry] of due.entries()) {
    const result = results[index];
    const tenant = (byId.get(entry.exceptionId) as FindingException).tenant;
    if (!result?.ok) {
      ports.logger.warn('exception event not accepted; its audit entry waits for the next poll', {
        tenant,
        exceptionId: entry.exceptionId,
        action: entry.action,
        errorCode: result?.ok === false ? result.errorCode : 'NoResult',
        reason: result?.ok === false ? result.errorMessage : 'the sink returned no result',
      });
      continue;
    }
    try {
      if (await ports.store.appendAudit(tenant, entry)) written++;
    } catch (error) {
      ports.logger.error('writing an exception audit entry failed; the next poll writes it', {
        tenant,
        exceptionId: entry.exceptionId,
        action: entry.action,
        reason: (error as Error).message,
      });
    }
  }
  return written;
}

function bridgeEntry(exception: FindingException, action: 'expired' | 'expiring', at: string): AuditEntry {
  return { exceptionId: exception.exceptionId, action, at, by: null, why: null };
}
