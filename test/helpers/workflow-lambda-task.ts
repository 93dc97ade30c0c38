/**
 * What Step Functions makes of a Lambda Task's Invoke (a `Resource` that is the function's ARN):
 * the payload is the task's result; a function error fails the task with `Error` = the runtime's
 * `errorType` and `Cause` = the whole error report as JSON; a refusal by the Lambda service fails
 * it with the service's error code prefixed `Lambda.` (`Lambda.TooManyRequestsException`); a
 * result larger than a state may carry fails with `States.DataLimitExceeded`. Those names are what
 * the definition's Retry and Catch match.
 *
 * aws-local-stepfunctions calls Lambda through the AWS SDK and throws the SDK's error as is
 * (`TooManyRequestsException`, without the `Lambda.` prefix), so the harness overrides every Task
 * state with this function instead of letting the interpreter call a Lambda endpoint.
 */
import type { InvokeResponse, SimulatedLambdaService } from './lambda-service.ts';

/** Step Functions' limit on a state's input or output, in bytes of UTF-8 JSON. */
const STATE_PAYLOAD_LIMIT = 256 * 1024;

/** A failed task, named as Step Functions names it. The interpreter reads `name` and `message`. */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** The task's result for `response`, or the `TaskFailure` Step Functions would record. */
export function taskResultOf(response: InvokeResponse): unknown {
  if (response.statusCode === 429) {
    throw new TaskFailure(
      `Lambda.${response.errorCode}`,
      `${response.message} (Service: Lambda, Status Code: 429, Request ID: simulated) (Reason: ${response.reason})`,
    );
  }
  if ('functionError' in response)
    throw new TaskFailure(response.payload.errorType, JSON.stringify(response.payload));
  const size = Buffer.byteLength(JSON.stringify(response.payload ?? null), 'utf8');
  if (size > STATE_PAYLOAD_LIMIT) {
    throw new TaskFailure(
      'States.DataLimitExceeded',
      `The state/task returned a result with a size exceeding the maximum number of bytes service limit (${size} bytes).`,
    );
  }
  return response.payload;
}

/** A Task state's handler that invokes `resource` (a function ARN) on `lambda`, as Step Functions does. */
export function lambdaTask(lambda: SimulatedLambdaService, resource: string) {
  return async (input: unknown): Promise<unknown> => taskResultOf(await lambda.invoke(resource, input));
}
