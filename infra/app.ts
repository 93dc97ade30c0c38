/**
 * The CDK app, run by the CDK CLI (`npx cdk synth`, `npx cdk deploy`, `npm run synth`): one
 * consumer of the construct library (infra/cdk.ts), like any other: the stack `DspmBridge` holding
 * the `DspmBridge` construct, the backup forwarder that other accounts and regions deploy as a
 * StackSet (`DspmBridgeBackupForwarder`), and the read-only role those accounts deploy once, so
 * the coverage sweep can ask their AWS Backup (`DspmBridgeBackupReader`).
 * Configuration comes from the `dspm-bridge` context in cdk.json or `-c`; cdk-nag's AWS Solutions
 * checks run on every synth.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '#shared/errors.ts';
import { BackupForwarderStack, FORWARDER_STACK_ID } from './backup-forwarder-stack.ts';
import { BackupReaderStack, READER_STACK_ID } from './backup-reader-stack.ts';
import { readStackConfig, stackContextOf } from './config.ts';
import { DspmBridge } from './dspm-bridge.ts';
import { buildFunctionBundles } from './function-bundles.ts';

/** Builds the app from its context (tests pass their own). */
export function buildApp(app: App = new App()): {
  app: App;
  stack: Stack;
  bridge: DspmBridge;
  forwarder: BackupForwarderStack;
  reader: BackupReaderStack;
} {
  const config = readStackConfig(stackContextOf(app.node.getAllContext()));
  const stack = new Stack(app, 'DspmBridge', {
    description:
      'dspm-bridge: Netskope One DSPM risk events to Amazon EventBridge, and the Unprotected tag from backup events',
  });
  // `Default` is the one construct id CDK leaves out of logical ids (of their readable part and of
  // their hash): every resource keeps the id it had when the stack held it directly, so a
  // deployment from before the construct library updates in place (test/infra/stable-ids.test.ts).
  const bridge = new DspmBridge(stack, 'Default', config);
  // Deployed by a StackSet into member accounts and regions, which are not bootstrapped: the
  // stack's default bootstrapless synthesizer writes a template with no bootstrap version check
  // and refuses assets. No analytics resource either: the same template lands in every region.
  const forwarder = new BackupForwarderStack(app, FORWARDER_STACK_ID, {
    genericSources: config.backupEventSources,
    description:
      "dspm-bridge backup forwarder: this account's AWS Backup events to the dspm-bridge bus in the central account",
  });
  // A StackSet too, in one region per account (IAM is global), with the same synthesizer.
  const reader = new BackupReaderStack(app, READER_STACK_ID, {
    roleName: config.backupInventoryRoleName,
    description:
      "dspm-bridge backup reader: lets the bridge's coverage sweep list this account's recovery points",
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, bridge, forwarder, reader };
}

if (import.meta.main) {
  try {
    // The bundles from the sources as they are now, with the builder `npm pack` ships them with.
    await buildFunctionBundles();
    // The CLI hands cdk.json's context and `-c` over in CDK_CONTEXT_JSON, which App reads.
    buildApp().app.synth();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`dspm-bridge: ${error.message}\n`);
    process.exitCode = 1;
  }
}
