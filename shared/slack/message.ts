/**
 * A finding event as a Slack message: `text` (the notification and the fallback) and Block Kit
 * blocks with the title, severity, store, account and region, and the evidence. A `test: true`
 * event says so in its first words. A suppression says who decided, why and until when (the
 * exception's id, reason, requester, approver, expiry and justification); an unsuppression says how
 * the exception ended. Slack's limits: a header's text 150 characters, a section's
 * 3000, 50 blocks; longer parts are cut with an ellipsis.
 */
import type { SlackFinding as FindingDetail, SlackException } from './finding-view.ts';

/** The finding events, by what happened. */
export type FindingChange =
  | 'opened'
  | 'escalated'
  | 'de-escalated'
  | 'resolved'
  | 'suppressed'
  | 'unsuppressed';

/** The `chat.postMessage` arguments the bridge sends. */
export interface SlackMessage {
  readonly channel: string;
  readonly text: string;
  readonly blocks: readonly unknown[];
  readonly unfurl_links: false;
}

const SEVERITY_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;
const MARK = {
  opened: ':rotating_light:',
  escalated: ':arrow_up:',
  'de-escalated': ':arrow_down:',
  resolved: ':white_check_mark:',
  suppressed: ':no_bell:',
  unsuppressed: ':bell:',
};

/** What a finding event is, from its detail type and, on an update, the two severities. */
export function changeOf(detailType: string, detail: FindingDetail): FindingChange {
  // `-unsuppressed` first: it ends with `-suppressed` too.
  if (detailType.endsWith('-unsuppressed')) return 'unsuppressed';
  if (detailType.endsWith('-suppressed')) return 'suppressed';
  if (detailType.endsWith('-opened')) return 'opened';
  if (detailType.endsWith('-resolved')) return 'resolved';
  const previous = detail.previousSeverity ?? detail.severity;
  return SEVERITY_RANK[detail.severity] >= SEVERITY_RANK[previous] ? 'escalated' : 'de-escalated';
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped; nothing else is special in plain values. */
function mrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function headline(change: FindingChange, detail: FindingDetail): string {
  const severity = detail.severity.toUpperCase();
  switch (change) {
    case 'opened':
      return `${severity} finding opened: ${detail.title}`;
    case 'escalated':
      return `Finding escalated ${detail.previousSeverity?.toUpperCase() ?? '?'} → ${severity}: ${detail.title}`;
    case 'de-escalated':
      return `Finding de-escalated ${detail.previousSeverity?.toUpperCase() ?? '?'} → ${severity}: ${detail.title}`;
    case 'resolved':
      return `Finding resolved (${detail.resolution === 'store-removed' ? 'store removed' : 'condition cleared'}): ${detail.title}`;
    case 'suppressed':
      return `Finding suppressed until ${day(detail.exception?.expiresAt)}: ${detail.title}`;
    case 'unsuppressed':
      return `Finding open again (exception ${detail.exception?.revokedAt ? 'revoked' : 'expired'}): ${detail.title}`;
  }
}

/** The date part of an ISO time: what a person reads in a headline. */
function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : 'an unknown date';
}

/** Who decided, why, and until when; on an unsuppression, how the exception ended. */
function exceptionBlocks(change: FindingChange, exception: SlackException | undefined): unknown[] {
  if (!exception || (change !== 'suppressed' && change !== 'unsuppressed')) return [];
  const ended = exception.revokedAt
    ? `revoked ${exception.revokedAt} by ${exception.revokedBy ?? 'unknown'}${exception.revocation ? `: ${exception.revocation}` : ''}`
    : `expired ${exception.expiresAt}`;
  const fields = [
    `*Exception*\n\`${mrkdwn(exception.exceptionId)}\``,
    `*Reason*\n${mrkdwn(exception.reason)}`,
    `*Requested by*\n${mrkdwn(exception.requestedBy)}`,
    `*Approved by*\n${mrkdwn(exception.approvedBy ?? 'not required')}`,
    change === 'suppressed' ? `*Until*\n${exception.expiresAt}` : `*Ended*\n${mrkdwn(ended)}`,
  ];
  return [
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text: cut(text, 2000) })) },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`*Justification*\n${mrkdwn(exception.justification)}`, 3000) },
    },
  ];
}

/** The message for one finding event to `channel`. */
export function findingMessage(channel: string, change: FindingChange, detail: FindingDetail): SlackMessage {
  const prefix = detail.test ? '[TEST] ' : '';
  const title = `${prefix}${headline(change, detail)}`;
  const store = detail.dataStore;
  const where = [store.accountId ?? 'unknown account', store.region ?? 'unknown region'].join(' / ');
  const evidence = Object.entries(detail.evidence)
    .map(([field, value]) => `\`${field}\`: ${mrkdwn(JSON.stringify(value))}`)
    .join('\n');
  const fields = [
    `*Severity*\n${detail.severity}`,
    `*Condition*\n${detail.condition}`,
    `*Store*\n${mrkdwn(store.name)} (${mrkdwn(store.service.displayName ?? store.service.name ?? 'unknown service')})`,
    `*Account / region*\n${mrkdwn(where)}`,
  ];
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${MARK[change]} ${title}`, 150), emoji: true } },
    ...(detail.test
      ? [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: '*This is a test event* (`"test": true`): nothing is wrong.' },
          },
        ]
      : []),
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text: cut(text, 2000) })) },
    ...exceptionBlocks(change, detail.exception),
    {
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`*Endpoint*\n\`${mrkdwn(store.endpoint)}\``, 3000) },
    },
    ...(evidence
      ? [{ type: 'section', text: { type: 'mrkdwn', text: cut(`*Evidence*\n${evidence}`, 3000) } }]
      : []),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: cut(
            `${mrkdwn(detail.correlationId)} · occurrence ${detail.occurrence}${detail.baseline ? ' · baseline' : ''} · observed ${detail.observedAt}`,
            3000,
          ),
        },
      ],
    },
  ];
  const exception = detail.exception;
  const decision =
    exception && (change === 'suppressed' || change === 'unsuppressed')
      ? ` ${exception.exceptionId}, ${exception.reason}, requested by ${exception.requestedBy}: ${exception.justification}`
      : '';
  const text = cut(
    `${prefix}DSPM ${headline(change, detail)} (${store.name}, ${where}, ${store.endpoint})${decision}`,
    4000,
  );
  return { channel, text, blocks, unfurl_links: false };
}
