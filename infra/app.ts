/**
 * The CDK app: `npx cdk deploy` (or `npm run synth` offline). Configuration comes from the
 * `dspm-bridge` context in cdk.json or `-c`; cdk-nag's AWS Solutions checks run on every synth.
 */
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '#shared/errors.ts';
import { CONTEXT_KEY, readStackConfig } from './config.ts';
import { DspmBridgeStack } from './dspm-bridge-stack.ts';

/** Builds the app from its context (tests pass their own). */
export function buildApp(app: App = new App()): { app: App; stack: DspmBridgeStack } {
  const config = readStackConfig(app.node.tryGetContext(CONTEXT_KEY));
  const stack = new DspmBridgeStack(app, 'DspmBridge', {
    config,
    description:
      'dspm-bridge: Netskope One DSPM risk events to Amazon EventBridge, and the Unprotected tag from backup events',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/**
 * The context of cdk.json, for `npm run synth`, which runs the app without the CDK CLI (offline, no
 * credentials); under the CLI the context arrives in `CDK_CONTEXT_JSON` as usual.
 */
function cdkJsonContext(): Record<string, unknown> {
  if (process.env.CDK_CONTEXT_JSON) return {};
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

if (import.meta.main) {
  try {
    buildApp(new App({ context: cdkJsonContext() })).app.synth();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`dspm-bridge: ${error.message}\n`);
    process.exitCode = 1;
  }
}
