/**
 * Holds SQS records back: extends their visibility timeout so they come back later, when reported
 * as batch item failures. The tagger does this while the token is not set: with the queue's own
 * timeout (720 s) and 5 receives allowed, a record would reach the dead-letter queue about an
 * hour after the first deploy; held `TOKEN_NOT_SET_HOLD_SECONDS` each time, it waits about
 * fifteen hours, and is applied within three hours of the token being set.
 */
import { ChangeMessageVisibilityBatchCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** How long a record waits before it is offered again while the token is not set. */
export const TOKEN_NOT_SET_HOLD_SECONDS = 3 * 3600;

/** SQS takes at most this many entries in one ChangeMessageVisibilityBatch. */
const BATCH_LIMIT = 10;

/** Queue URLs by queue ARN, looked up once per process. */
const queueUrls = new Map<string, Promise<string>>();

async function queueUrlOf(sqs: SQSClient, arn: string): Promise<string> {
  let url = queueUrls.get(arn);
  if (!url) {
    // arn:aws:sqs:<region>:<account>:<name>
    const [, , , , account, name] = arn.split(':');
    if (!account || !name) throw new Error(`not an SQS queue ARN: ${arn}`);
    url = sqs
      .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
      .then(({ QueueUrl }) => {
        if (!QueueUrl) throw new Error(`SQS returned no URL for ${arn}`);
        return QueueUrl;
      });
    url.catch(() => queueUrls.delete(arn));
    queueUrls.set(arn, url);
  }
  return url;
}

/**
 * Sets each record's visibility timeout to `seconds` from now.
 * @returns the ids of the records SQS did not hold (they come back after the queue's own timeout).
 */
export async function holdRecords(
  sqs: SQSClient,
  records: readonly SQSRecord[],
  seconds: number,
): Promise<string[]> {
  const notHeld: string[] = [];
  const byQueue = Map.groupBy(records, (record) => record.eventSourceARN);
  for (const [arn, queued] of byQueue) {
    const queueUrl = await queueUrlOf(sqs, arn);
    for (let start = 0; start < queued.length; start += BATCH_LIMIT) {
      const chunk = queued.slice(start, start + BATCH_LIMIT);
      const { Failed } = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
      for (const failure of Failed ?? []) {
        const record = chunk[Number(failure.Id)];
        if (record) notHeld.push(record.messageId);
      }
    }
  }
  return notHeld;
}
