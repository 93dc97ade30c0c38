/** One event as a line a person reads in the demo. */
import type {
  BusEvent,
  DiscoveredDetail,
  ExceptionChangedDetail,
  FindingDetail,
  PollCompletedDetail,
  ProtectionChangedDetail,
  RemovedDetail,
  RiskChangedDetail,
} from '#shared/events/contract.ts';

/** A one-line rendering of `event`. */
export function describeEvent(event: BusEvent): string {
  const pad = (text: string) => text.padEnd(31);
  switch (event.detailType) {
    case 'data-store-risk-changed': {
      const d = event.detail as RiskChangedDetail;
      const changes = d.changes
        .map(
          (c) =>
            `${c.field} ${format(c.previous)} -> ${format(c.current)}${c.delta === undefined ? '' : ` (${c.delta > 0 ? '+' : ''}${c.delta})`}`,
        )
        .join(', ');
      // A level that did not move is said once: "risk unknown", never "unknown -> unknown".
      const level =
        d.riskLevel.previous === d.riskLevel.current
          ? `risk ${d.riskLevel.current}`
          : `${d.riskLevel.previous} -> ${d.riskLevel.current}`;
      return `${pad(event.detailType)}${d.dataStore.name}: ${level}, ${d.direction}; ${changes}`;
    }
    case 'data-store-discovered': {
      const d = event.detail as DiscoveredDetail;
      return `${pad(event.detailType)}${d.dataStore.name}: new ${d.dataStore.service.displayName ?? 'store'}, risk ${d.riskLevel.current}`;
    }
    case 'data-store-removed': {
      const d = event.detail as RemovedDetail;
      return `${pad(event.detailType)}${d.dataStore.name}: no longer in DSPM`;
    }
    case 'data-store-protection-changed': {
      const d = event.detail as ProtectionChangedDetail;
      return `${pad(event.detailType)}${d.dataStore.name}: ${d.protection.current.status} (${d.protection.current.reason}), tag ${d.tag.name} ${d.tag.action}`;
    }
    case 'dspm-poll-completed': {
      const d = event.detail as PollCompletedDetail;
      const s = d.stores;
      return `${pad(event.detailType)}${s.seen} stores: ${s.changed} changed, ${s.discovered} discovered, ${s.removed} removed${d.baseline ? ' (baseline)' : ''}`;
    }
    case 'data-store-finding-opened':
    case 'data-store-finding-updated':
    case 'data-store-finding-resolved':
    case 'data-store-finding-suppressed':
    case 'data-store-finding-unsuppressed': {
      const d = event.detail as FindingDetail;
      const severity = d.previousSeverity ? `${d.previousSeverity} -> ${d.severity}` : d.severity;
      const why = d.resolution ? ` (${d.resolution})` : '';
      const covered = d.exception ? `, ${d.status} by ${d.exception.exceptionId}` : '';
      return `${pad(event.detailType)}${d.dataStore.name}: ${d.condition} ${severity}, occurrence ${d.occurrence}${why}${covered}`;
    }
    case 'finding-exception-changed': {
      const d = event.detail as ExceptionChangedDetail;
      const by = d.by ? ` by ${d.by}` : '';
      return `${pad(event.detailType)}${d.exception.exceptionId} ${d.action}${by}, ${d.exception.reason} until ${d.exception.expiresAt}`;
    }
  }
}

function format(value: unknown): string {
  if (value === null) return 'unknown';
  return Array.isArray(value) ? `[${value.join(',')}]` : String(value);
}
