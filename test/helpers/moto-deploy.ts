/**
 * Deploys a synthesized assembly into moto's CloudFormation the way `cdk deploy` would into an
 * account: what `cdk bootstrap` provides (the asset bucket and the bootstrap version parameter),
 * the file assets zipped and uploaded to it, then CreateStack from a template URL. The template is
 * the assembly's, adapted only where moto lacks support (test/helpers/moto-template.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Output,
  type StackResource,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { MOTO_AWS } from './moto.ts';
import { adaptTemplateForMoto, type CfnTemplate, type MotoAdaptation } from './moto-template.ts';

/** The CDK's default bootstrap qualifier, and the account moto answers as. */
const QUALIFIER = 'hnb659fds';
const ACCOUNT = '123456789012';

/** A stack deployed into moto. */
export interface MotoDeployment {
  readonly stackName: string;
  readonly status: string;
  /** The assembly's template, as synthesized. */
  readonly synthesized: CfnTemplate;
  readonly adaptation: MotoAdaptation;
  readonly resources: readonly StackResource[];
  readonly outputs: Readonly<Record<string, string>>;
  /** S3 key of each uploaded asset -> base64 SHA-256 of what was uploaded (as Lambda reports it). */
  readonly uploadedSha256: Readonly<Record<string, string>>;
  /** S3 key of each asset -> its folder in the assembly. */
  readonly assetFolders: Readonly<Record<string, string>>;
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
 * Deploys stack `artifactId` of the assembly in `assemblyDirectory` as `stackName`.
 * `endpoint` is moto's; the template URL is given with `localhost` (moto reads the first label of
 * a 127.0.0.1 URL as a bucket name).
 */
export async function deployToMoto(options: {
  assemblyDirectory: string;
  artifactId: string;
  stackName: string;
  endpoint: string;
}): Promise<MotoDeployment> {
  const { assemblyDirectory, artifactId, stackName } = options;
  const endpoint = options.endpoint.replace('//127.0.0.1:', '//localhost:');
  const config = { ...MOTO_AWS, endpoint };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const bucket = `cdk-${QUALIFIER}-assets-${ACCOUNT}-${MOTO_AWS.region}`;

  // What `cdk bootstrap` leaves in an account and the template's bootstrap check reads.
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await new SSMClient(config).send(
    new PutParameterCommand({
      Name: `/cdk-bootstrap/${QUALIFIER}/version`,
      Value: '30',
      Type: 'String',
      Overwrite: true,
    }),
  );

  // The file assets, zipped as `cdk deploy` publishes them.
  const assets = JSON.parse(
    readFileSync(join(assemblyDirectory, `${artifactId}.assets.json`), 'utf8'),
  ) as AssetManifest;
  const uploadedSha256: Record<string, string> = {};
  const assetFolders: Record<string, string> = {};
  const scratch = mkdtempSync(join(tmpdir(), 'dspm-bridge-assets-'));
  try {
    for (const [hash, asset] of Object.entries(assets.files)) {
      const destination = Object.values(asset.destinations)[0];
      if (!destination) continue;
      const key = destination.objectKey;
      const source = join(assemblyDirectory, asset.source.path);
      let body: Buffer;
      if (asset.source.packaging === 'zip') {
        const zip = join(scratch, `${hash}.zip`);
        zipDirectory(source, zip);
        body = readFileSync(zip);
      } else {
        body = readFileSync(source);
      }
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      uploadedSha256[key] = createHash('sha256').update(body).digest('base64');
      assetFolders[key] = source;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  // Resources moto cannot create through CloudFormation are made through their APIs first.
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
  const templateKey = `${stackName}.template.json`;
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: templateKey, Body: JSON.stringify(adaptation.template) }),
  );

  // No SDK retries: a 500 from moto must fail here, not be retried into a "success".
  const cloudFormation = new CloudFormationClient({ ...config, maxAttempts: 1 });
  try {
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateURL: `${endpoint}/${bucket}/${templateKey}`,
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    throw new Error(
      `moto's CreateStack failed (HTTP ${status ?? '?'}): ${(error as Error).message}; moto's log names the resource`,
      { cause: error },
    );
  }
  let status = '';
  let outputs: Output[] = [];
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; attempt < 300 && Date.now() < deadline; attempt++) {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    status = Stacks?.[0]?.StackStatus ?? '';
    outputs = Stacks?.[0]?.Outputs ?? [];
    if (!status.endsWith('_IN_PROGRESS')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { StackResources = [] } = await cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  return {
    stackName,
    status,
    synthesized,
    adaptation,
    resources: StackResources,
    uploadedSha256,
    assetFolders,
    outputs: Object.fromEntries(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    physicalId: (logicalId) => {
      const id = StackResources.find((r) => r.LogicalResourceId === logicalId)?.PhysicalResourceId;
      if (!id) throw new Error(`stack ${stackName} reports no physical id for ${logicalId}`);
      return id;
    },
  };
}

/** Zips a folder's contents (not the folder) with the `zip` tool, deterministically (-X). */
function zipDirectory(directory: string, zipFile: string): void {
  try {
    execFileSync('zip', ['-qrX', zipFile, '.'], { cwd: directory });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('zip is not on PATH: install it (apt-get install zip) to publish the assets to moto');
    }
    throw error;
  }
}
