/**
 * One of the bridge's Lambdas, built the same way for all: NodejsFunction bundling the TypeScript
 * entry point with esbuild as ESM, Node.js 24 on arm64, minified (names kept) with a linked source
 * map, its own log group with retention, X-Ray tracing when enabled, and optionally in the egress
 * VPC.
 */
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
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
  /** V8's old-space limit in MB (`--max-old-space-size`), where a measured peak set one (infra/function-sizes.ts). */
  readonly maxHeapMb?: number | undefined;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  readonly vpc?: IVpc | undefined;
  readonly reservedConcurrentExecutions?: number | undefined;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A bridge Lambda with its log group. */
export class BridgeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${repositoryRoot}functions/${props.entry}`,
      projectRoot: repositoryRoot,
      depsLockFilePath: `${repositoryRoot}package-lock.json`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: {
        NODE_OPTIONS: [
          '--enable-source-maps',
          ...(props.maxHeapMb ? [`--max-old-space-size=${props.maxHeapMb}`] : []),
        ].join(' '),
        ...props.environment,
      },
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } } : {}),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // Error classes name themselves from `new.target.name`; without this `DspmAuthError`
        // would be logged as whatever two letters the minifier chose.
        keepNames: true,
        // A linked map (read by NODE_OPTIONS=--enable-source-maps) maps stack traces back to the
        // sources by file and line; the sources' text itself stays out of the asset, which would
        // otherwise ship megabytes of embedded node_modules per function.
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Warnings and errors only: esbuild's per-bundle size summary (a 1.3 MB "⚠️" line per
        // function) said nothing actionable on every synth and test run.
        logLevel: LogLevel.WARNING,
        mainFields: ['module', 'main'],
        // Some dependencies are CommonJS and call require(); give the ESM bundle one.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
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
