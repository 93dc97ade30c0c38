/**
 * Lambda: finding events from an SQS queue (a rule on the bridge's bus fills it) become ASFF
 * findings in Security Hub through BatchImportFindings, and a suppressed finding's workflow set to
 * SUPPRESSED (back to NEW on unsuppress) through BatchUpdateFindings (**adapter** -> use case -> domain).
 *
 * Partial batch response: a record whose finding Security Hub refused (`FailedFindings`) or could
 * not take is reported as a batch item failure, so SQS redelivers it and, after its receives, moves
 * it to the dead-letter queue (an alarm watches both). A record that is not a finding event is
 * parked in the dead-letter queue at once with its reason, or failed where it cannot be
 * (shared/aws/sqs-intake.ts); a stale one is acknowledged and counted.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SECURITY_HUB_METRICS } from '#shared/aws/bridge-metrics.ts';
import { createAwsClients } from '#shared/aws/clients.ts';
import { lambdaObservability, withObservability } from '#shared/aws/lambda-observability.ts';
import { SdkSecurityHubFindings } from '#shared/aws/security-hub-findings.ts';
import { parkMalformed } from '#shared/aws/sqs-intake.ts';
import type { Environment } from '#shared/config/env.ts';
import { SqsDeadLetterSink } from '#shared/events/dead-letter.ts';
import { exportFindings } from '#shared/securityhub/export-findings.ts';
import { readExportSettings } from '#shared/securityhub/export-settings.ts';

const SERVICE = 'dspm-bridge-security-hub';

/** Builds the handler from an environment; the module's `handler` uses `process.env`. */
export function createSecurityHubHandler(env: Environment) {
  const tools = lambdaObservability(SERVICE);
  const { logger, metrics, tracer } = tools;
  const settings = readExportSettings(env);
  const aws = createAwsClients(tracer);
  const securityHub = new SdkSecurityHubFindings(
    tracer.captureAWSv3Client(new SecurityHubClient({})),
    settings.productArn,
  );
  const deadLetters = settings.deadLetterQueueUrl
    ? new SqsDeadLetterSink(aws.sqs, settings.deadLetterQueueUrl)
    : undefined;

  const exportBatch = async (event: SQSEvent, _context: Context): Promise<SQSBatchResponse> => {
    const records = event.Records.map((record) => ({ messageId: record.messageId, body: record.body }));
    const outcome = await exportFindings(records, securityHub, settings.target);
    const failures = outcome.failed.map((failure) => failure.messageId);
    for (const failure of outcome.failed) logger.error('finding not imported; SQS retries it', failure);
    for (const bad of outcome.malformed) {
      const body = event.Records.find((record) => record.messageId === bad.messageId)?.body ?? '';
      const parked = await parkMalformed({ messageId: bad.messageId, body }, bad.reason, {
        deadLetters,
        logger,
      });
      if (!parked) failures.push(bad.messageId);
    }
    for (const stale of outcome.stale) logger.info('stale finding event; Security Hub has newer', stale);
    for (const workflow of outcome.workflows) logger.info('finding workflow set', workflow);
    metrics.addMetric(SECURITY_HUB_METRICS.imported.name, MetricUnit.Count, outcome.imported.length);
    metrics.addMetric(SECURITY_HUB_METRICS.workflowsSet.name, MetricUnit.Count, outcome.workflows.length);
    metrics.addMetric(SECURITY_HUB_METRICS.stale.name, MetricUnit.Count, outcome.stale.length);
    metrics.addMetric(SECURITY_HUB_METRICS.malformed.name, MetricUnit.Count, outcome.malformed.length);
    // The SecurityHubRecordFailures alarm reads this long before the records reach the dead-letter queue.
    metrics.addMetric(SECURITY_HUB_METRICS.failed.name, MetricUnit.Count, outcome.failed.length);
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  return withObservability(exportBatch, tools);
}

/** The Lambda entry point. */
export const handler = createSecurityHubHandler(process.env);
