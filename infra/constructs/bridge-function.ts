/**
 * One of the bridge's Lambdas, built the same way for all: the prebuilt bundle of its entry point
 * (`dist/lambda/<name>/index.mjs`, ESM, minified with names kept, a linked source map; built by
 * infra/function-bundles.ts and shipped in the package, so no consumer needs esbuild or Docker),
 * Node.js 24 on arm64, its own log group with retention, X-Ray tracing when enabled, and
 * optionally in the egress VPC.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Props of a bridge function. */
export interface BridgeFunctionProps {
  /** File under `functions/`, e.g. `poll-data-stores.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  readonly vpc?: IVpc | undefined;
  readonly reservedConcurrentExecutions?: number | undefined;
}

/** Where the bundles are, under the package's root. */
export const BUNDLE_DIRECTORY = join('dist', 'lambda');

/** A bundle's name: its entry point's file name without `.ts` (`poll-data-stores`). */
export const bundleNameOf = (entry: string): string => entry.replace(/\.ts$/, '');

// Two levels up is the package's root both from this file in a checkout
// (infra/constructs/bridge-function.ts) and from the published construct it is bundled into
// (dist/cdk/index.mjs); test/integration/cdk/packed-construct.test.ts synthesizes the latter.
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The code of `entry`'s prebuilt bundle.
 * @throws Error naming the missing bundle and how to build it (a checkout never built).
 */
export function functionCode(entry: string): Code {
  const directory = join(packageRoot, BUNDLE_DIRECTORY, bundleNameOf(entry));
  if (!existsSync(join(directory, 'index.mjs'))) {
    throw new Error(
      `dspm-bridge: the bundle of functions/${entry} is missing (${join(BUNDLE_DIRECTORY, bundleNameOf(entry), 'index.mjs')}): in a checkout, run npm run build:functions`,
    );
  }
  return Code.fromAsset(directory);
}

/** A bridge Lambda with its log group. */
export class BridgeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new LambdaFunction(this, 'Function', {
      code: functionCode(props.entry),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } } : {}),
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed basic execution role only lets the function write its own logs.',
    });
    if (props.vpc) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          "The AWS-managed VPC access role only manages the function's network interfaces in the egress VPC.",
      });
    }
    if (props.tracing) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions.',
      });
    }
  }
}

/** Default timeouts: shorter than the poll lease, so a killed poll never holds it longer than one. */
export const FUNCTION_TIMEOUTS = {
  poller: Duration.minutes(10),
  tagger: Duration.minutes(2),
  coverage: Duration.minutes(10),
} as const;
