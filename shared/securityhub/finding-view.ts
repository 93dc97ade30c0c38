/**
 * Security Hub's view of a finding event's detail (shared/events/contract.ts `findingDetailSchema`),
 * read by the one finding reader (shared/events/finding-event.ts) with zod/mini (cold start); only
 * what the ASFF needs is required, objects stay open.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { FINDING_CONDITIONS } from '../events/detail-types.ts';
import { findingEventReader } from '../events/finding-event.ts';

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

/** The detail of a finding event, as the export reads it. */
export type FindingEventDetail = z.infer<typeof findingDetail>;

/** Reads a record's body as a finding event with Security Hub's view of the detail; never throws. */
export const readSecurityHubFinding = findingEventReader(findingDetail);
