/**
 * The part of a finding event (an EventBridge event as the SQS message body) a Slack message
 * needs, read with zod/mini: the contract (shared/events/contract.ts, full zod) is the reference,
 * this reads only what the message shows, so an added field never breaks delivery.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { FINDING_DETAIL_TYPES, type FindingDetailType } from '../events/detail-types.ts';

const severity = z.enum(['low', 'medium', 'high', 'critical']);

/** What a message about a suppression shows of the exception: who, why, until when. */
const exceptionSchema = z.object({
  exceptionId: z.string(),
  reason: z.string(),
  justification: z.string(),
  requestedBy: z.string(),
  approvedBy: z.nullable(z.string()),
  expiresAt: z.string(),
  revokedAt: z.nullable(z.string()),
  revokedBy: z.nullable(z.string()),
  revocation: z.nullable(z.string()),
});

const findingSchema = z.object({
  findingId: z.string(),
  correlationId: z.string(),
  occurrence: z.number(),
  condition: z.string(),
  status: z.enum(['open', 'suppressed', 'resolved']),
  severity,
  previousSeverity: z.nullable(severity),
  title: z.string(),
  resolution: z.nullable(z.string()),
  baseline: z.boolean(),
  observedAt: z.string(),
  test: z.boolean(),
  dataStore: z.object({
    name: z.string(),
    endpoint: z.string(),
    region: z.nullable(z.string()),
    accountId: z.nullable(z.string()),
    service: z.object({ name: z.nullable(z.string()), displayName: z.nullable(z.string()) }),
  }),
  evidence: z.record(z.string(), z.unknown()),
  exception: z.optional(exceptionSchema),
});

const eventSchema = z.object({
  id: z.string(),
  'detail-type': z.enum(FINDING_DETAIL_TYPES),
  detail: findingSchema,
});

/** The exception fields a message shows. */
export type SlackException = z.infer<typeof exceptionSchema>;

/** The finding fields a message shows. */
export type SlackFinding = z.infer<typeof findingSchema>;

/** One finding event as read from the queue. */
export interface FindingEvent {
  readonly eventId: string;
  readonly detailType: FindingDetailType;
  readonly detail: SlackFinding;
}

/** The event in `body`, or why it is not one (naming the field), for the dead-letter reason. */
export function parseFindingEvent(
  body: string,
): { ok: true; event: FindingEvent } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the message body is not JSON' };
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `not a finding event: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    };
  }
  return {
    ok: true,
    event: { eventId: parsed.data.id, detailType: parsed.data['detail-type'], detail: parsed.data.detail },
  };
}
