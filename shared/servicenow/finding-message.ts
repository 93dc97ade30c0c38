/**
 * A finding event as it reaches the ServiceNow follower: the EventBridge event (the SQS message
 * body the rule's target writes) with a `data-store-finding-*` detail. Only the fields the
 * follower reads are checked (zod/mini, for the cold start); the contract itself is
 * shared/events/contract.ts `findingDetailSchema`, and a test holds the two together.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { DETAIL_TYPES } from '../events/detail-types.ts';

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const nullableText = z.nullish(z.string());

const findingDetail = z.looseObject({
  eventId: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  findingId: text(400),
  // ServiceNow's correlation_id holds 100 characters; `^` would split an encoded query.
  correlationId: z
    .string()
    .check(z.minLength(1), z.maxLength(100), z.regex(/^[^^]+$/, 'must not contain "^"')),
  condition: text(64),
  status: z.enum(['open', 'suppressed', 'resolved']),
  severity,
  previousSeverity: z.nullish(severity),
  title: text(1000),
  openedAt: z.string(),
  resolvedAt: nullableText,
  resolution: z.nullish(z.enum(['condition-cleared', 'store-removed'])),
  sequence: z.number().check(z.int(), z.minimum(1)),
  baseline: z.boolean(),
  tenant: text(255),
  observedAt: z.string(),
  test: z.boolean(),
  dataStore: z.looseObject({
    id: z.number(),
    name: z.string(),
    endpoint: z.string(),
    region: nullableText,
    accountId: nullableText,
    service: z.looseObject({ name: nullableText, displayName: nullableText }),
  }),
  evidence: z.record(z.string(), z.unknown()),
});

const FINDING_TYPES = [
  DETAIL_TYPES.findingOpened,
  DETAIL_TYPES.findingUpdated,
  DETAIL_TYPES.findingResolved,
] as const;

const findingEvent = z.looseObject({
  id: text(512),
  'detail-type': z.enum(FINDING_TYPES),
  source: text(512),
  detail: findingDetail,
});

/** The detail fields the follower reads. */
export type FindingDetailView = z.infer<typeof findingDetail>;

/** What happened to the finding. */
export type FindingTransition = 'opened' | 'updated' | 'resolved';

/** A parsed finding event. */
export interface FindingMessage {
  readonly transition: FindingTransition;
  readonly detail: FindingDetailView;
}

const TRANSITION_OF: Record<(typeof FINDING_TYPES)[number], FindingTransition> = {
  [DETAIL_TYPES.findingOpened]: 'opened',
  [DETAIL_TYPES.findingUpdated]: 'updated',
  [DETAIL_TYPES.findingResolved]: 'resolved',
};

/** The result of reading a message: the finding, or why it cannot be one. */
export type ParsedFindingMessage =
  | { readonly ok: true; readonly message: FindingMessage }
  | { readonly ok: false; readonly reason: string };

/** Reads an SQS body; never throws: a bad body gets a reason naming what is wrong. */
export function parseFindingMessage(body: string): ParsedFindingMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the message body is not JSON' };
  }
  const parsed = findingEvent.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `not a finding event: ${issues}` };
  }
  const event = parsed.data;
  return { ok: true, message: { transition: TRANSITION_OF[event['detail-type']], detail: event.detail } };
}
