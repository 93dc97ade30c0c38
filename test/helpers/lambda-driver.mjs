// Runs one handler of a shipped bundle the way the Lambda Node.js runtime does, in its own
// process: imports the handler module named by `_HANDLER` from LAMBDA_TASK_ROOT (index.mjs), calls
// it once with the event and a fake context, and writes the outcome as JSON to the result file.
// Only Node built-ins here: the bundle must find everything else itself.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [eventFile, resultFile] = process.argv.slice(2);
const [moduleName, exportName] = (process.env._HANDLER ?? '').split('.');
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? '';
const file = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, `${moduleName}${ext}`)).find(existsSync);
const deadline = Date.now() + Number(process.env.DRIVER_TIMEOUT_MS ?? 60_000);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
  awsRequestId: '0f1e2d3c-4b5a-4697-8877-665544332211',
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
  logStreamName: '2026/12/01/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

let outcome;
try {
  if (!file) throw new Error(`no ${moduleName}.mjs/.js/.cjs in the task root`);
  const module = await import(pathToFileURL(file).href);
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${moduleName}.${exportName} is not a function`);
  const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
  outcome = { ok: true, result: result ?? null };
} catch (error) {
  outcome = { ok: false, error: { name: error?.name, message: String(error?.message ?? error) } };
}
writeFileSync(resultFile, JSON.stringify(outcome));
