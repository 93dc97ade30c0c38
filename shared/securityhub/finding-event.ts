/**
 * The finding events the Security Hub export reads, as they arrive from SQS: the EventBridge
 * envelope around a `data-store-finding-*` detail (shared/events/contract.ts `findingDetailSchema`).
 * Checked with zod/mini (cold start); only what the ASFF needs is required, objects stay open.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { FINDING_CONDITIONS, FINDING_DETAIL_TYPES, type FindingDetailType } from '../events/detail-types.ts';

const isoTime = z.iso.datetime({ offset: true });
const severity = z.enum(['low', 'medium', 'high', 'critical']);
const nullableText = z.nullable(z.string());

const findingDetail = z.looseObject({
  eventId: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  findingId: z.string().check(z.minLength(1), z.maxLength(400)),
  occurrence: z.int().check(z.minimum(1)),
  correlationId: z.string().check(z.minLength(1), z.maxLength(512)),
  condition: z.enum(FINDING_CONDITIONS),
  status: z.enum(['open', 'suppressed', 'resolved']),
  severity,
  title: z.string().check(z.minLength(1)),
  openedAt: isoTime,
  resolvedAt: z.nullable(isoTime),
  resolution: z.nullable(z.enum(['condition-cleared', 'store-removed'])),
  sequence: z.int().check(z.minimum(1)),
  baseline: z.boolean(),
  tenant: z.string().check(z.minLength(1)),
  observedAt: isoTime,
  test: z.boolean(),
  dataStore: z.looseObject({
    id: z.int(),
    name: z.string(),
    endpoint: z.string(),
    region: nullableText,
    accountId: nullableText,
    service: z.looseObject({ id: z.int(), name: nullableText, displayName: nullableText }),
    infrastructureConnection: z.looseObject({
      id: z.nullable(z.int()),
      name: nullableText,
      platform: nullableText,
    }),
  }),
  evidence: z.record(z.string(), z.union([z.number(), z.string(), z.array(z.number()), z.null()])),
  exception: z.optional(
    z.looseObject({
      exceptionId: z.string().check(z.minLength(1)),
      reason: z.string(),
      justification: z.string(),
      requestedBy: z.string(),
      approvedBy: nullableText,
      expiresAt: isoTime,
      revokedAt: z.nullable(isoTime),
      revokedBy: nullableText,
    }),
  ),
});

const findingEvent = z.looseObject({
  'detail-type': z.enum(FINDING_DETAIL_TYPES),
  source: z.string(),
  detail: findingDetail,
});

/** The detail of a finding event, as the export reads it. */
export type FindingEventDetail = z.infer<typeof findingDetail>;

/** A parsed SQS body, or why it is not a finding event. */
export type ParsedFindingEvent =
  | { readonly ok: true; readonly detailType: FindingDetailType; readonly detail: FindingEventDetail }
  | { readonly ok: false; readonly reason: string };

/** Reads one SQS message body (an EventBridge event); never throws. */
export function parseFindingEvent(body: string): ParsedFindingEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the message body is not JSON' };
  }
  const result = findingEvent.safeParse(json);
  if (result.success) return { ok: true, detailType: result.data['detail-type'], detail: result.data.detail };
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).map(String).join('.') || '(event)';
  return { ok: false, reason: `not a finding event: ${path}: ${issue?.message ?? 'is not valid'}` };
}
