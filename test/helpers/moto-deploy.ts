/**
 * Deploys a synthesized assembly into moto with the real CDK CLI, as a user deploys into an
 * account: `npx cdk bootstrap`, then `npx cdk deploy` (which publishes the assets and runs the
 * change set). The one difference: the CLI is handed a copy of the assembly whose template is
 * adapted where moto lacks support (test/helpers/moto-template.ts); the bundles and every other
 * file are the assembly's own. Nothing here trusts the CLI's exit code: the caller gets what
 * CloudFormation and S3 report.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type StackResource,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { credentialFreeEnvironment, runCdk } from './cdk-cli.ts';
import { MOTO_AWS } from './moto.ts';
import { adaptTemplateForMoto, type CfnTemplate, type MotoAdaptation } from './moto-template.ts';

/** The account moto answers as, and the CDK's default bootstrap qualifier. */
const ACCOUNT = '123456789012';
const QUALIFIER = 'hnb659fds';

/** A stack deployed into moto. */
export interface MotoDeployment {
  readonly stackName: string;
  readonly status: string;
  /** The assembly's template, as synthesized. */
  readonly synthesized: CfnTemplate;
  readonly adaptation: MotoAdaptation;
  readonly resources: readonly StackResource[];
  /** The stack outputs (see `outputsFromStack`). */
  readonly outputs: Readonly<Record<string, string>>;
  /** True when CloudFormation reported the outputs itself. */
  readonly outputsFromStack: boolean;
  /** S3 key of each function asset -> base64 SHA-256 of the object the CLI uploaded. */
  readonly uploadedSha256: Readonly<Record<string, string>>;
  /** S3 key of each asset -> its folder in the (unadapted) assembly. */
  readonly assetFolders: Readonly<Record<string, string>>;
  /** What the CLI printed, for failure messages. */
  readonly log: string;
  /** Logical id -> physical id, for the resources CloudFormation reports. */
  physicalId(logicalId: string): string;
}

interface AssetManifest {
  files: Record<
    string,
    {
      source: { path: string; packaging?: string };
      destinations: Record<string, { bucketName: string; objectKey: string }>;
    }
  >;
}

/**
 * Bootstraps moto and deploys stack `artifactId` of the assembly in `assemblyDirectory`.
 * `endpoint` is moto's; the CLI gets it with `localhost`, because moto reads the first label of a
 * `127.0.0.1` template URL as a bucket name.
 */
export async function deployToMoto(options: {
  assemblyDirectory: string;
  artifactId: string;
  endpoint: string;
}): Promise<MotoDeployment> {
  const { assemblyDirectory, artifactId } = options;
  const endpoint = options.endpoint.replace('//127.0.0.1:', '//localhost:');
  const config = { ...MOTO_AWS, endpoint };
  const env = credentialFreeEnvironment({
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: MOTO_AWS.region,
    AWS_ACCESS_KEY_ID: MOTO_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_AWS.credentials.secretAccessKey,
  });
  const manifest = JSON.parse(readFileSync(join(assemblyDirectory, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { properties?: { stackName?: string } }>;
  };
  const stackName = manifest.artifacts[artifactId]?.properties?.stackName ?? artifactId;
  let log = '';
  const cdk = async (args: string[]) => {
    const run = await runCdk([...args, '--no-notices'], { env });
    log += `$ cdk ${args.join(' ')}\n${run.stdout}${run.stderr}\n`;
    if (run.code !== 0) throw new Error(`npx cdk ${args[0]} exited ${run.code}:\n${log.slice(-4000)}`);
  };

  // 1. npx cdk bootstrap: the asset bucket, the publishing roles, the bootstrap version parameter.
  await cdk(['bootstrap', `aws://${ACCOUNT}/${MOTO_AWS.region}`, '--app', assemblyDirectory]);

  // 2. What moto's CloudFormation cannot create is made through its API, then the template adapted.
  const synthesized = JSON.parse(
    readFileSync(join(assemblyDirectory, `${artifactId}.template.json`), 'utf8'),
  ) as CfnTemplate;
  const secrets = new SecretsManagerClient(config);
  const secretArns: Record<string, string> = {};
  for (const [id, resource] of Object.entries(synthesized.Resources)) {
    if (resource.Type !== 'AWS::SecretsManager::Secret') continue;
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: `${stackName}-${id}`,
        Description: String(resource.Properties?.Description ?? ''),
        // Stands in for the generated value; the operator replaces it with the token.
        SecretString: 'generated-placeholder',
      }),
    );
    secretArns[id] = created.ARN ?? '';
  }
  const adaptation = adaptTemplateForMoto(synthesized, { stackName, secretArns });
  const adapted = mkdtempSync(join(tmpdir(), 'dspm-bridge-moto-assembly-'));
  try {
    cpSync(assemblyDirectory, adapted, { recursive: true });
    writeFileSync(join(adapted, `${artifactId}.template.json`), JSON.stringify(adaptation.template));
    // 3. npx cdk deploy: publishes the assets, creates and executes the change set.
    await cdk(['deploy', artifactId, '--app', adapted, '--require-approval', 'never']);
  } finally {
    rmSync(adapted, { recursive: true, force: true });
  }

  // What exists, as CloudFormation and S3 report it.
  const cloudFormation = new CloudFormationClient(config);
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const { StackResources = [] } = await cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const physicalId = (logicalId: string) => {
    const id = StackResources.find((r) => r.LogicalResourceId === logicalId)?.PhysicalResourceId;
    if (!id) throw new Error(`stack ${stackName} reports no physical id for ${logicalId}`);
    return id;
  };
  const reported = Object.fromEntries(
    (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
  const outputsFromStack = Object.keys(reported).length > 0;

  const assets = JSON.parse(
    readFileSync(join(assemblyDirectory, `${artifactId}.assets.json`), 'utf8'),
  ) as AssetManifest;
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const uploadedSha256: Record<string, string> = {};
  const assetFolders: Record<string, string> = {};
  for (const asset of Object.values(assets.files)) {
    if (asset.source.packaging !== 'zip') continue;
    for (const destination of Object.values(asset.destinations)) {
      const bucket = destination.bucketName
        .replace(/\$\{AWS::AccountId\}/g, ACCOUNT)
        .replace(/\$\{AWS::Region\}/g, MOTO_AWS.region);
      if (!bucket.startsWith(`cdk-${QUALIFIER}-assets-`)) continue;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: destination.objectKey }));
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      uploadedSha256[destination.objectKey] = createHash('sha256').update(body).digest('base64');
      assetFolders[destination.objectKey] = join(assemblyDirectory, asset.source.path);
    }
  }

  return {
    stackName,
    status: Stacks?.[0]?.StackStatus ?? '',
    synthesized,
    adaptation,
    resources: StackResources,
    outputs: outputsFromStack ? reported : resolveOutputs(adaptation.template, physicalId),
    outputsFromStack,
    uploadedSha256,
    assetFolders,
    log,
    physicalId,
  };
}

/**
 * The template's outputs resolved from the deployed resources. moto's change-set path (what
 * `cdk deploy` uses) records no outputs; the values are the same Ref / GetAtt CloudFormation
 * would evaluate. Anything this does not know how to resolve fails loudly.
 */
function resolveOutputs(
  template: CfnTemplate,
  physicalId: (logicalId: string) => string,
): Record<string, string> {
  const resolve = (value: unknown, key: string): string => {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string }).Ref;
    if (ref) return physicalId(ref);
    const [target, attribute] = ((value as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'] ?? []) as string[];
    const resource = target ? template.Resources[target] : undefined;
    if (resource?.Type === 'AWS::Events::EventBus' && attribute === 'Arn') {
      return `arn:aws:events:${MOTO_AWS.region}:${ACCOUNT}:event-bus/${String(resource.Properties?.Name)}`;
    }
    // A role's ARN: IAM's path is `/` and moto names the role by its physical id.
    if (resource?.Type === 'AWS::IAM::Role' && attribute === 'Arn' && target) {
      return `arn:aws:iam::${ACCOUNT}:role/${physicalId(target)}`;
    }
    throw new Error(`cannot resolve output ${key}: ${JSON.stringify(value)}`);
  };
  return Object.fromEntries(
    Object.entries(template.Outputs ?? {}).map(([key, output]) => [key, resolve(output.Value, key)]),
  );
}
