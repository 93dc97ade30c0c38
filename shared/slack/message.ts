/**
 * A finding event as a Slack message: `text` (the notification and the fallback) and Block Kit
 * blocks with the title, severity, store, account and region, and the evidence. A `test: true`
 * event says so in its first words. Slack's limits: a header's text 150 characters, a section's
 * 3000, 50 blocks; longer parts are cut with an ellipsis.
 */
import type { SlackFinding as FindingDetail } from './finding-event.ts';

/** The three finding events, by what happened. */
export type FindingChange = 'opened' | 'escalated' | 'de-escalated' | 'resolved';

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
};

/** What a finding event is, from its detail type and, on an update, the two severities. */
export function changeOf(detailType: string, detail: FindingDetail): FindingChange {
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
  }
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
  const text = cut(
    `${prefix}DSPM ${headline(change, detail)} (${store.name}, ${where}, ${store.endpoint})`,
    4000,
  );
  return { channel, text, blocks, unfurl_links: false };
}
