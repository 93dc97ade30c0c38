/**
 * The ServiceNow follower's view of a finding event's detail, read by the one finding reader
 * (shared/events/finding-event.ts). Only the fields the follower reads are checked (zod/mini, for
 * the cold start), with ServiceNow's own limits (field lengths, no `^` in a correlation id); the
 * contract itself is shared/events/contract.ts `findingDetailSchema`, and a test holds the two
 * together.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { type FindingEvent, findingEventReader } from '../events/finding-event.ts';

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
  exception: z.optional(
    z.looseObject({
      exceptionId: text(64),
      reason: text(64),
      justification: text(2000),
      requestedBy: text(255),
      approvedBy: nullableText,
      expiresAt: z.string(),
    }),
  ),
});

/** The detail fields the follower reads. */
export type FindingDetailView = z.infer<typeof findingDetail>;

/** A finding event as the follower reads it: its transition and its detail. */
export type FindingMessage = FindingEvent<FindingDetailView>;

/** Reads a record's body as a finding event with the follower's view of the detail; never throws. */
export const readServiceNowFinding = findingEventReader(findingDetail);
