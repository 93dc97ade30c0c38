/**
 * Lambda: finding events from the ServiceNow follower's SQS FIFO queue (one message group, so
 * events reach it in the order EventBridge delivered them), each applied to its one ServiceNow
 * record (**adapter** -> use case shared/servicenow/follow-finding.ts).
 *
 * Partial batch responses (Powertools batch, FIFO): a record that fails (ServiceNow down or
 * throttling past the client's retries, another delivery of the same occurrence in progress) is
 * retried, and so are the records behind it; after the queue's receive limit it lands in the
 * dead-letter queue, which has an alarm. A message that is not a finding event is parked in the
 * dead-letter queue at once with its reason, or failed where it cannot be (shared/aws/sqs-intake.ts).
 *
 * Loud: every failed record leaves one error line naming the occurrence, the status, ServiceNow's
 * `error.message` and `error.detail` and the `X-Transaction-ID` (never a credential); a record not
 * attempted because an earlier one of its FIFO group failed says so. Patient: a `Retry-After`
 * longer than the client may wait in one invocation hides the message for that long
 * (shared/servicenow/hand-back.ts) instead of retrying early.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SERVICENOW_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { holdRecords } from '#shared/aws/hold-records.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { parkOrFail } from '#shared/aws/sqs-intake.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { readServiceNowConfig } from '#shared/config/servicenow.ts';
import { SqsDeadLetterSink } from '#shared/events/dead-letter.ts';
import { failureAttributes } from '#shared/servicenow/errors.ts';
import { readServiceNowFinding } from '#shared/servicenow/finding-view.ts';
import { followFinding } from '#shared/servicenow/follow-finding.ts';
import { handBackSeconds } from '#shared/servicenow/hand-back.ts';
import { DynamoDbProgressStore } from '#shared/servicenow/progress-store.ts';
import { SecretsManagerCredentials } from '#shared/servicenow/secret-credentials.ts';
import { TableClient } from '#shared/servicenow/table-client.ts';

const SERVICE = 'dspm-bridge-servicenow';

/** The longest `Retry-After` waited out inside one invocation (the function runs 60 s at most). */
const MAX_WAIT_MS = 20_000;

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createServiceNowHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const config = readServiceNowConfig(env);
  const aws = createAwsClients(tracer);
  const ports = {
    table: new TableClient({
      instanceUrl: config.instanceUrl,
      table: config.table,
      credentials: new SecretsManagerCredentials(aws.secretsManager, config.credentialsSecretId),
      clock: systemClock,
      maxWaitMs: MAX_WAIT_MS,
    }),
    progress: new DynamoDbProgressStore(aws.dynamoDb, config.progressTable),
    clock: systemClock,
    logger,
  };
  const deadLetters = config.deadLetterQueueUrl
    ? new SqsDeadLetterSink(aws.sqs, config.deadLetterQueueUrl)
    : undefined;
  /** Messages of this invocation that reached `handleRecord` (the others were skipped behind a failure). */
  const attempted = new Set<string>();

  /** Hides the message for ServiceNow's `Retry-After` when it is too long to wait here; the seconds, or undefined. */
  const handBack = async (record: SQSRecord, error: unknown): Promise<number | undefined> => {
    const seconds = handBackSeconds(error, MAX_WAIT_MS);
    if (seconds === undefined) return undefined;
    try {
      const notHeld = await holdRecords(aws.sqs, [record], seconds);
      return notHeld.length === 0 ? seconds : undefined;
    } catch (hideError) {
      logger.warn('could not hide the message for Retry-After; it comes back after the queue timeout', {
        messageId: record.messageId,
        error: hideError instanceof Error ? hideError.message : String(hideError),
      });
      return undefined;
    }
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    attempted.add(record.messageId);
    const parsed = readServiceNowFinding(record);
    if (!parsed.ok) {
      metrics.addMetric(SERVICENOW_METRICS.malformedFindingEvents.name, MetricUnit.Count, 1);
      await parkOrFail(record, parsed.reason, { deadLetters, logger });
      return;
    }
    const message = parsed.value;
    const { detail } = message;
    let outcome: Awaited<ReturnType<typeof followFinding>>;
    try {
      outcome = await followFinding(message, ports, config);
    } catch (error) {
      const hiddenFor = await handBack(record, error);
      logger.error('finding not applied to ServiceNow; the message goes back to the queue', {
        messageId: record.messageId,
        correlationId: detail.correlationId,
        eventId: detail.eventId,
        sequence: detail.sequence,
        transition: message.transition,
        ...failureAttributes(error),
        ...(hiddenFor === undefined ? {} : { visibilityTimeoutSeconds: hiddenFor }),
      });
      throw error;
    }
    metrics.addMetric(RECORD_METRICS[outcome.kind].name, MetricUnit.Count, 1);
    logger.info('finding applied to ServiceNow', {
      correlationId: detail.correlationId,
      eventId: detail.eventId,
      sequence: detail.sequence,
      transition: message.transition,
      ...outcome,
    });
  };

  const processor = new SqsFifoPartialProcessorAsync();
  const follow = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    attempted.clear();
    const response = await processPartialResponse(event, handleRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
    for (const failure of response.batchItemFailures) {
      if (attempted.has(failure.itemIdentifier)) continue;
      logger.error(
        'finding not attempted: an earlier message of its FIFO group failed; it comes back in order',
        {
          messageId: failure.itemIdentifier,
        },
      );
    }
    metrics.addMetric(
      SERVICENOW_METRICS.findingEventsFailed.name,
      MetricUnit.Count,
      response.batchItemFailures.length,
    );
    return response;
  };
  return withObservability(follow, tools);
}

/** What happened to the record, counted by kind. */
const RECORD_METRICS = {
  created: SERVICENOW_METRICS.recordsCreated,
  updated: SERVICENOW_METRICS.recordsUpdated,
  resolved: SERVICENOW_METRICS.recordsResolved,
  suppressed: SERVICENOW_METRICS.recordsSuppressed,
  unchanged: SERVICENOW_METRICS.recordsUnchanged,
} as const;

/** The Lambda entry point. */
export const handler = createServiceNowHandler(process.env);
