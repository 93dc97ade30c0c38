/**
 * A tenant's status as text for an 80-column terminal: one block per tenant, a label column of
 * 14 and values wrapped to the rest, the open findings as a condition-by-severity table, then
 * the exceptions that expire within 7 days, one row each.
 */
import { FINDING_CONDITIONS } from '#shared/events/detail-types.ts';
import { FINDING_SEVERITY_NAMES } from '#shared/findings/severities.ts';
import type { TenantStatus } from '#shared/status/tenant-status.ts';

/** The terminal width the report fits. */
export const REPORT_WIDTH = 80;
const LABEL = 14;

/** The report of one tenant, lines without their newline, each at most `width` long. */
export function statusLines(status: TenantStatus, now: Date, width = REPORT_WIDTH): string[] {
  const lines = [`tenant ${status.tenant}`];
  const row = (label: string, text: string) => {
    const wrapped = wrap(text, width - 2 - LABEL);
    wrapped.forEach((part, index) => {
      lines.push(`  ${(index === 0 ? label : '').padEnd(LABEL)}${part}`);
    });
  };
  row('last poll', lastPollText(status, now));
  row('poll now', pollNowText(status, now));
  row(
    'stores',
    `${status.stores.inState} in the state${status.stores.removed > 0 ? ` (and ${status.stores.removed} removed from DSPM, kept as tombstones)` : ''}`,
  );
  const { coverage } = status;
  row(
    'backups',
    `${coverage.unprotected} unprotected, ${coverage.protected} protected, ${coverage.unknown} unknown${coverage.excluded > 0 ? `, ${coverage.excluded} excluded` : ''}`,
  );
  for (const [index, store] of status.unprotected.entries()) {
    row(
      index === 0 ? 'unprotected' : '',
      `store ${store.storeId} ${store.name}: ${store.reason} since ${shortTime(store.since)}`,
    );
  }
  if (coverage.unprotected > status.unprotected.length)
    row(
      '',
      `... and ${coverage.unprotected - status.unprotected.length} more (status --json lists the first ${status.unprotected.length})`,
    );
  const { total, suppressed } = status.openFindings;
  row(
    'open findings',
    total === 0
      ? 'none'
      : `${total}${suppressed > 0 ? ` (${suppressed} of them suppressed by exceptions)` : ''}`,
  );
  if (total > 0) lines.push(...findingsTable(status));
  if (status.expiringSoon.length === 0) row('expiring soon', 'no exception expires within 7 days');
  for (const [index, exception] of status.expiringSoon.entries())
    row(
      index === 0 ? 'expiring soon' : '',
      `${exception.exceptionId} ${exception.reason}, expires ${shortTime(exception.expiresAt)} (${until(exception.expiresAt, now)}), requested by ${exception.requestedBy}`,
    );
  return lines;
}

/** `in 3 days`, `in 5 h`, `in 12 min`. */
function until(iso: string, now: Date): string {
  const minutes = Math.round((Date.parse(iso) - now.getTime()) / 60_000);
  if (!Number.isFinite(minutes)) return 'unknown';
  if (minutes < 120) return `in ${Math.max(0, minutes)} min`;
  if (minutes < 2880) return `in ${Math.round(minutes / 60)} h`;
  return `in ${Math.round(minutes / 1440)} days`;
}

function lastPollText(status: TenantStatus, now: Date): string {
  const poll = status.lastPoll;
  if (!poll) return 'none finished yet';
  const outcome = poll.outcome;
  const began = `${shortTime(poll.startedAt)} (${ago(poll.startedAt, now)})`;
  if (!outcome) return `began ${began}; how it ended was not recorded (state from an older version)`;
  const seconds = Math.max(0, (Date.parse(outcome.finishedAt) - Date.parse(poll.startedAt)) / 1000);
  const { seen, changed, discovered, removed } = outcome.stores;
  return [
    `${began}, ${outcome.complete ? 'complete' : `INCOMPLETE: ${outcome.incompleteReason ?? 'unknown'}`},`,
    `took ${seconds.toFixed(seconds < 10 ? 1 : 0)} s in ${outcome.chunks} chunk${outcome.chunks === 1 ? '' : 's'};`,
    `${seen} seen, ${changed} changed, ${discovered} discovered, ${removed} removed;`,
    `${outcome.events.published} events published${outcome.events.failed > 0 ? `, ${outcome.events.failed} REFUSED (retried next poll)` : ''}`,
  ].join(' ');
}

function pollNowText(status: TenantStatus, now: Date): string {
  const poll = status.pollInProgress;
  if (!poll) return 'none in progress';
  const since = `began ${shortTime(poll.startedAt)} (${ago(poll.startedAt, now)}), ${poll.chunks} chunk${poll.chunks === 1 ? '' : 's'} so far`;
  if (poll.listing === 'listing') {
    const of = poll.total === null ? '' : ` of ${poll.total}`;
    const share = poll.total ? ` (${Math.floor((100 * poll.seen) / poll.total)}%)` : '';
    return `${since}; ${poll.seen}${of} stores listed${share}`;
  }
  return `${since}; listed ${poll.seen} stores, waiting for its finish step`;
}

/** Open findings: a row per condition with any, a column per severity, totals last. */
function findingsTable(status: TenantStatus): string[] {
  const { matrix, bySeverity, total } = status.openFindings;
  const indent = ' '.repeat(2 + LABEL);
  const cell = (text: string | number) => String(text).padStart(9);
  const header = `${indent}${'condition'.padEnd(16)}${FINDING_SEVERITY_NAMES.map(cell).join('')}${cell('total')}`;
  const rows = FINDING_CONDITIONS.filter((condition) => matrix[condition] !== undefined).map((condition) => {
    const counts = matrix[condition] as Record<string, number>;
    const sum = FINDING_SEVERITY_NAMES.reduce((all, severity) => all + (counts[severity] ?? 0), 0);
    return `${indent}${condition.padEnd(16)}${FINDING_SEVERITY_NAMES.map((s) => cell(counts[s] ?? 0)).join('')}${cell(sum)}`;
  });
  const totals = `${indent}${'all'.padEnd(16)}${FINDING_SEVERITY_NAMES.map((s) => cell(bySeverity[s])).join('')}${cell(total)}`;
  return [header, ...rows, totals];
}

/** `2026-12-07 18:20 UTC`. */
function shortTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3 min ago`, `2 h ago`, `just now`. */
function ago(iso: string, now: Date): string {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return seconds < 5 ? 'just now' : `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/** Words wrapped to `width`; a word longer than the width stays whole on its own line. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}
