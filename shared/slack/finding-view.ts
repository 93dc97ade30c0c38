/**
 * Slack's view of a finding event's detail: the part a Slack message shows, read by the one finding
 * reader (shared/events/finding-event.ts) with zod/mini. The contract (shared/events/contract.ts,
 * full zod) is the reference; this reads only what the message shows, so an added field never
 * breaks delivery.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { findingEventReader, type FindingEvent as ReadFindingEvent } from '../events/finding-event.ts';

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

/** The exception fields a message shows. */
export type SlackException = z.infer<typeof exceptionSchema>;

/** The finding fields a message shows. */
export type SlackFinding = z.infer<typeof findingSchema>;

/** One finding event as read from the queue. */
export type FindingEvent = ReadFindingEvent<SlackFinding>;

/** Reads a record's body as a finding event with Slack's view of the detail; never throws. */
export const readSlackFinding = findingEventReader(findingSchema);
