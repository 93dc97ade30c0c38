// One warm Lambda execution environment for a shipped bundle: the handler module named by
// `_HANDLER` is imported once from LAMBDA_TASK_ROOT (the init phase), then every message from the
// parent is one invocation, answered as the Lambda Node.js runtime reports it to the Lambda
// service: the handler's result, or `{errorType, errorMessage, trace}` where errorType is the
// error's `name` (what Step Functions then matches in Retry and Catch). Only Node built-ins
// here: the bundle must find everything else itself.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [moduleName, exportName] = (process.env._HANDLER ?? '').split('.');
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? '';
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
// One log stream per environment, as Lambda names them.
const logStreamName = `2026/12/01/[$LATEST]${randomUUID().replaceAll('-', '')}`;

/** The runtime's error report (aws-lambda-nodejs-runtime-interface-client, Errors.toRapidResponse). */
function errorReport(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function contextFor(requestId, deadlineMs, invokedFunctionArn) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

let handler;
let initError;
try {
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, `${moduleName}${ext}`)).find(existsSync);
  if (!file)
    throw Object.assign(new Error(`Cannot find module '${moduleName}'`), {
      name: 'Runtime.ImportModuleError',
    });
  const module = await import(pathToFileURL(file).href);
  handler = module[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
} catch (error) {
  initError = error;
}
process.send({
  type: 'init',
  ok: initError === undefined,
  ...(initError ? { error: errorReport(initError) } : {}),
});

process.on('message', async (message) => {
  const { id, event, requestId, deadlineMs, invokedFunctionArn } = message;
  if (initError) {
    process.send({ type: 'result', id, ok: false, error: errorReport(initError) });
    return;
  }
  try {
    const result = await handler(event, contextFor(requestId, deadlineMs, invokedFunctionArn));
    process.send({ type: 'result', id, ok: true, result: result ?? null });
  } catch (error) {
    const report = errorReport(error);
    // The runtime's own line for a failed invocation, in the function's JSON log format.
    console.error(
      JSON.stringify({
        timestamp: new Date().toISOString(),
        level: 'ERROR',
        requestId,
        message: 'Invoke Error',
        errorType: report.errorType,
        errorMessage: report.errorMessage,
        stackTrace: report.trace,
      }),
    );
    process.send({ type: 'result', id, ok: false, error: report });
  }
});
