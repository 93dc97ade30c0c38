/**
 * The one reader of a finding event as the finding followers (ServiceNow, Slack, Security Hub)
 * receive it from SQS: the EventBridge envelope (`id`, `source`, one of the finding detail types)
 * around a detail each follower reads through its own view, checked with zod/mini (cold start).
 * The views check only what their follower uses and leave objects open, so a field added to the
 * contract (shared/events/contract.ts `findingDetailSchema`, the reference) never breaks delivery.
 * The body is read, and a malformed one explained, by the SQS intake (shared/aws/sqs-intake.ts).
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { type IntakeRecord, type ReadRecord, readRecord } from '../aws/sqs-intake.ts';
import {
  FINDING_DETAIL_TYPES,
  type FindingDetailType,
  type FindingTransition,
  findingTransitionOf,
} from './detail-types.ts';

/** What a malformed record is not, in its reason. */
const EXPECTED = 'finding event';

/** One finding event read from the queue, with its detail as one follower's view reads it. */
export interface FindingEvent<Detail> {
  /** EventBridge's event id. */
  readonly eventId: string;
  readonly detailType: FindingDetailType;
  /** What happened to the finding (the detail type's last word). */
  readonly transition: FindingTransition;
  readonly detail: Detail;
}

/**
 * A reader for finding events whose detail `detailView` checks; the reader never throws, and a
 * malformed body gets the intake's reason (what was wrong, the message id).
 */
export function findingEventReader<Detail>(
  detailView: z.ZodMiniType<Detail>,
): (record: IntakeRecord) => ReadRecord<FindingEvent<Detail>> {
  // Issues are named in this order: what kind of event, then the detail, then the envelope's ids.
  const envelope = z.looseObject({
    'detail-type': z.enum(FINDING_DETAIL_TYPES),
    detail: detailView,
    id: z.string().check(z.minLength(1), z.maxLength(512)),
    source: z.string().check(z.minLength(1), z.maxLength(512)),
  });
  return (record) => {
    const read = readRecord(record, envelope, EXPECTED);
    if (!read.ok) return read;
    const detailType = read.value['detail-type'];
    return {
      ok: true,
      value: {
        eventId: read.value.id,
        detailType,
        transition: findingTransitionOf(detailType),
        detail: read.value.detail as Detail,
      },
    };
  };
}
