/**
 * The construct library, published as `dspm-bridge/cdk` (bundled into dist/cdk/index.mjs by
 * scripts/build-cdk.ts, with aws-cdk-lib and constructs left to the consumer as peer
 * dependencies): the bridge as one construct, and the two stacks other accounts deploy as
 * StackSets. The repository's own app (infra/app.ts) is one consumer of it.
 */
export {
  BackupForwarderStack,
  type BackupForwarderStackProps,
  BRIDGE_BUS_ARN_PARAMETER,
  FORWARDER_STACK_ID,
} from './backup-forwarder-stack.ts';
export {
  BackupReaderStack,
  type BackupReaderStackProps,
  COVERAGE_ROLE_ARN_PARAMETER,
  DEFAULT_BACKUP_READER_ROLE,
  READER_STACK_ID,
} from './backup-reader-stack.ts';
export { DspmBridge } from './dspm-bridge.ts';
export type {
  DspmBridgeProps,
  DspmBridgeServiceNow,
  DspmBridgeSlack,
  DspmBridgeTenant,
  FindingConditionName,
  SeverityName,
} from './dspm-bridge-props.ts';
