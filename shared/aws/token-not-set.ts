/**
 * What a Lambda does when the token secret still holds the stack's placeholder: one log line that
 * names the secret and the command that sets it, and the `TokenNotSet` metric the alarm of that
 * name reads. No DSPM call is made (it could only answer 401), and the run is not an error, so
 * Lambda does not retry it and the error alarms stay quiet.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { setTokenCommand, type TokenNotSetError } from '../dspm/token-placeholder.ts';
import { TOKEN_NOT_SET_METRIC } from './bridge-metrics.ts';

/** Logs and counts `notSet`; `doing` says what was not done (`"poll skipped"`). */
export function reportTokenNotSet(
  notSet: TokenNotSetError,
  tools: { readonly logger: Logger; readonly metrics: Metrics },
  doing: string,
): void {
  tools.logger.warn(`${notSet.message} (${doing})`, {
    secretId: notSet.secretId,
    command: setTokenCommand(notSet.secretId),
  });
  tools.metrics.addMetric(TOKEN_NOT_SET_METRIC.name, MetricUnit.Count, 1);
}
