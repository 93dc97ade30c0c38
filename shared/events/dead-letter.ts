/**
 * The dead-letter port: where an event that can never be applied goes, with the reason, so an
 * operator can read it, fix the sender, and redrive it. The SQS adapter writes to the tagger's
 * dead-letter queue; FIFO queues get a group and a deduplication id.
 */
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Takes an unusable event and why. */
export interface DeadLetterSink {
  send(body: string, reason: string): Promise<void>;
}

/** Dead letters into an SQS queue; the reason travels as the `reason` message attribute. */
export class SqsDeadLetterSink implements DeadLetterSink {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async send(body: string, reason: string): Promise<void> {
    const fifo = this.#queueUrl.endsWith('.fifo');
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
        ...(fifo
          ? {
              MessageGroupId: 'malformed',
              MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
            }
          : {}),
      }),
    );
  }
}
