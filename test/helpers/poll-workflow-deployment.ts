/**
 * Puts a synthesized stack's poll workflow onto the simulated services: what the poller's
 * environment references is created in moto as the template describes it (the state table with
 * its keys and indexes, the bus, each tenant's token secret holding the stack's generated
 * placeholder), the poller's shipped bundle is deployed on the simulated Lambda service with its
 * template environment, timeout and reserved concurrency, and the state machine's
 * DefinitionString is resolved to the concrete ARNs it would have after a deploy.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type motoClients, uniqueName } from './aws.ts';
import { MOTO_ACCOUNT, type PhysicalResources, resolveIntrinsics, resolveString } from './cfn-intrinsics.ts';
import { type StagedBundle, stageBundle } from './lambda-bundle.ts';
import { lambdaRuntimeEnvironment } from './lambda-runtime-env.ts';
import type { SimulatedLambdaService } from './lambda-service.ts';
import { MOTO_AWS } from './moto.ts';
import type { CfnResource, CfnTemplate } from './moto-template.ts';
import type { AslDefinition } from './workflow-run.ts';

/** The poll workflow, deployed. */
export interface PollWorkflowDeployment {
  readonly definition: AslDefinition;
  readonly pollerArn: string;
  readonly bundle: StagedBundle;
  /** The poller's environment as deployed (resolved), before the runtime's own variables. */
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency: number | undefined;
  readonly tableName: string;
  readonly busName: string;
  /** Each tenant's host -> the ARN of its token secret in moto. */
  readonly tokenSecrets: Readonly<Record<string, string>>;
}

/** The one resource of `type` in `template` whose properties satisfy `where`. */
function only(template: CfnTemplate, type: string, where: (resource: CfnResource) => boolean = () => true) {
  const found = Object.entries(template.Resources).filter(([, r]) => r.Type === type && where(r));
  if (found.length !== 1) throw new Error(`expected one ${type} in the template, found ${found.length}`);
  return found[0] as [string, CfnResource];
}

/** A secret's value as Secrets Manager generates it from `GenerateSecretString` (alphanumeric filler). */
function generatedSecret(generate: Record<string, unknown>): string {
  const template = JSON.parse(String(generate.SecretStringTemplate ?? '{}')) as Record<string, unknown>;
  const length = Number(generate.PasswordLength ?? 32);
  const filler = randomBytes(length * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length);
  return JSON.stringify({ ...template, [String(generate.GenerateStringKey)]: filler });
}

/**
 * Deploys the poll workflow of `template` (synthesized with bundling into `assemblyDirectory`).
 * `environmentOverrides` are added to the poller's environment, each one named by the caller's
 * test for why (none is needed to run it).
 */
export async function deployPollWorkflow(options: {
  template: CfnTemplate;
  assemblyDirectory: string;
  clients: ReturnType<typeof motoClients>;
  motoEndpoint: string;
  lambda: SimulatedLambdaService;
  environmentOverrides?: Record<string, string>;
}): Promise<PollWorkflowDeployment> {
  const { template, clients } = options;
  const resources: Record<string, { ref: string; attributes?: Record<string, string> }> = {};
  const stackName = uniqueName('DspmBridge');

  // Stateful resources, from their template properties.
  // Every table (the state table, the exceptions' audit table), each from its own properties.
  for (const [tableId, table] of Object.entries(template.Resources)) {
    if (table.Type !== 'AWS::DynamoDB::Table') continue;
    const tableName = `${stackName}-${tableId}`;
    const tableProperties = table.Properties as Omit<CreateTableCommandInput, 'TableName'>;
    await clients.dynamoDb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: tableProperties.AttributeDefinitions,
        KeySchema: tableProperties.KeySchema,
        GlobalSecondaryIndexes: tableProperties.GlobalSecondaryIndexes,
        BillingMode: tableProperties.BillingMode,
      }),
    );
    resources[tableId] = { ref: tableName };
  }
  const [busId, bus] = only(template, 'AWS::Events::EventBus');
  const busName = String(bus.Properties?.Name);
  await clients.eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  resources[busId] = { ref: busName };
  for (const [id, secret] of Object.entries(template.Resources)) {
    if (secret.Type !== 'AWS::SecretsManager::Secret') continue;
    const created = await clients.secretsManager.send(
      new CreateSecretCommand({
        Name: `${stackName}-${id}`,
        SecretString: generatedSecret(secret.Properties?.GenerateSecretString as Record<string, unknown>),
      }),
    );
    resources[id] = { ref: created.ARN ?? '' };
  }
  for (const [id, group] of Object.entries(template.Resources)) {
    if (group.Type === 'AWS::Logs::LogGroup') resources[id] = { ref: `/aws/${stackName}/${id}` };
  }

  // The poller: the function the workflow's tasks call.
  const [pollerId, poller] = only(template, 'AWS::Lambda::Function', (r) =>
    String(r.Properties?.Description).startsWith('Polls Netskope One DSPM'),
  );
  const functionName = `${stackName}-${pollerId}`.slice(0, 64);
  const pollerArn = `arn:aws:lambda:${MOTO_AWS.region}:${MOTO_ACCOUNT}:function:${functionName}`;
  resources[pollerId] = { ref: functionName, attributes: { Arn: pollerArn } };
  const physical: PhysicalResources = resources;
  const properties = poller.Properties as Record<string, unknown> & {
    Code: { S3Key: string };
    Environment: { Variables: Record<string, unknown> };
  };
  const environment = resolveIntrinsics(
    properties.Environment.Variables,
    physical,
    'Poller.Environment',
  ) as Record<string, string>;
  const configuration: FunctionConfiguration = {
    FunctionName: functionName,
    Handler: String(properties.Handler),
    Runtime: String(properties.Runtime) as FunctionConfiguration['Runtime'],
    MemorySize: Number(properties.MemorySize),
    Environment: { Variables: { ...environment, ...options.environmentOverrides } },
    LoggingConfig: {
      LogFormat: (properties.LoggingConfig as { LogFormat: 'JSON' | 'Text' }).LogFormat,
      LogGroup: resolveString((properties.LoggingConfig as { LogGroup: unknown }).LogGroup, physical),
    },
  };
  const bundle = stageBundle(
    join(options.assemblyDirectory, `asset.${properties.Code.S3Key.replace(/\.zip$/, '')}`),
  );
  const reservedConcurrency =
    properties.ReservedConcurrentExecutions === undefined
      ? undefined
      : Number(properties.ReservedConcurrentExecutions);
  options.lambda.deploy({
    arn: pollerArn,
    bundle,
    environment: lambdaRuntimeEnvironment(configuration, options.motoEndpoint),
    timeoutSeconds: Number(properties.Timeout),
    reservedConcurrency,
  });

  const [, machine] = only(template, 'AWS::StepFunctions::StateMachine');
  const definition = JSON.parse(
    resolveString(machine.Properties?.DefinitionString, physical, 'PollWorkflow.DefinitionString'),
  ) as AslDefinition;
  const tenants = JSON.parse(environment.DSPM_TENANTS ?? '[]') as { url: string; tokenSecretId: string }[];
  return {
    definition,
    pollerArn,
    bundle,
    environment,
    reservedConcurrency,
    // The state table, as the poller's environment names it.
    tableName: environment.STATE_TABLE_NAME ?? '',
    busName,
    tokenSecrets: Object.fromEntries(
      tenants.map((tenant) => [new URL(tenant.url).host, tenant.tokenSecretId]),
    ),
  };
}
