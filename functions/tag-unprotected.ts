/**
 * Lambda: backup events from the SQS FIFO queue (one message group per resource, so one store's
 * events arrive in order) keep the `Unprotected` tag in step (**adapter** -> use case -> domain).
 *
 * Partial batch responses (Powertools batch): a record that fails for a passing reason (DSPM or
 * AWS unavailable) is retried, and so are the later records of its group; a malformed event is
 * parked in the dead-letter queue with its reason and the batch goes on, or failed where it cannot
 * be parked (shared/aws/sqs-intake.ts); an event about a resource DSPM
 * does not know is acknowledged and counted.
 *
 * Until the token secret holds a token (a first deploy leaves the stack's placeholder there) no
 * record is attempted: the run says so once and counts `TokenNotSet`, and every record is held
 * (its visibility extended, shared/aws/hold-records.ts) and reported as a batch item failure, so
 * it comes back hours later instead of burning its receives into the dead-letter queue.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { TAGGER_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { holdRecords, TOKEN_NOT_SET_HOLD_SECONDS } from '#shared/aws/hold-records.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { malformedReason, parkOrFail } from '#shared/aws/sqs-intake.ts';
import { reportTokenNotSet } from '#shared/aws/token-not-set.ts';
import { handleBackupEvent } from '#shared/backup/backup-event-to-tag-write.ts';
import { systemClock } from '#shared/clock.ts';
import type { Environment } from '#shared/config/env.ts';
import { tokenNotSet } from '#shared/dspm/token-provider.ts';
import { createTaggerWiring } from '#shared/roots/tagger-runtime.ts';

const SERVICE = 'dspm-bridge-tagger';

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createTagHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const aws = createAwsClients(tracer);
  const { runtime, ports, settings } = createTaggerWiring(env, {
    aws,
    logger,
    clock: systemClock,
  });
  const handlerSettings = { ...settings, acceptedSources: runtime.taggerConfig.acceptedSources };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const result = await handleBackupEvent(record.body, ports, handlerSettings);
    switch (result.kind) {
      case 'malformed':
        metrics.addMetric(TAGGER_METRICS.malformedBackupEvents.name, MetricUnit.Count, 1);
        await parkOrFail(record, malformedReason(record, 'backup event', result.reason), {
          deadLetters: runtime.deadLetters,
          logger,
        });
        return;
      case 'ignored':
        metrics.addMetric(TAGGER_METRICS.ignoredBackupEvents.name, MetricUnit.Count, 1);
        logger.debug('backup event changes nothing', { eventId: result.eventId, why: result.why });
        return;
      case 'applied': {
        const { outcome } = result;
        metrics.addMetric(METRIC_BY_STATUS[outcome.status], MetricUnit.Count, 1);
        if (
          outcome.status === 'applied' &&
          (outcome.tagAction === 'added' || outcome.tagAction === 'removed')
        ) {
          metrics.addMetric(
            outcome.tagAction === 'added' ? TAGGER_METRICS.tagsAdded.name : TAGGER_METRICS.tagsRemoved.name,
            MetricUnit.Count,
            1,
          );
        }
        logger.info('backup event applied', { ...outcome, event: undefined });
        return;
      }
    }
  };

  const processor = new SqsFifoPartialProcessorAsync();
  const tag = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const notSet = await tokenNotSet(runtime.tokens);
    if (notSet) {
      reportTokenNotSet(
        notSet,
        tools,
        `${event.Records.length} backup events held for ${TOKEN_NOT_SET_HOLD_SECONDS / 3600} h`,
      );
      const notHeld = await holdRecords(aws.sqs, event.Records, TOKEN_NOT_SET_HOLD_SECONDS);
      // Those come back after the queue's own visibility timeout instead; still not dead-lettered soon.
      if (notHeld.length > 0) logger.warn('SQS did not hold some records back', { messageIds: notHeld });
      return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
    }
    const response = await processPartialResponse(event, handleRecord, processor, {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
    // Records SQS will redeliver (failed, or behind a failed one in their group): the
    // TaggerRecordFailures alarm reads this long before they reach the dead-letter queue.
    metrics.addMetric(
      TAGGER_METRICS.backupEventsFailed.name,
      MetricUnit.Count,
      response.batchItemFailures.length,
    );
    return response;
  };

  return withObservability(tag, tools);
}

const METRIC_BY_STATUS = {
  applied: TAGGER_METRICS.backupEventsApplied.name,
  duplicate: TAGGER_METRICS.duplicateBackupEvents.name,
  stale: TAGGER_METRICS.staleBackupEvents.name,
  'unknown-resource': TAGGER_METRICS.unknownResources.name,
} as const;

/** The Lambda entry point. */
export const handler = createTagHandler(process.env);
