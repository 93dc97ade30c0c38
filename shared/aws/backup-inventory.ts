/**
 * AWS Backup as the coverage sweep's inventory (**adapter**): `ListRecoveryPointsByResource` for
 * the store's ARN, in the store's own account and region.
 *
 * Why per-account roles and not AWS Backup's cross-account monitoring: cross-account monitoring
 * shows *jobs* (`ListBackupJobs` with `ByAccountId`), only to the organization's management or
 * delegated administrator account, and a job that completed says nothing about whether its
 * recovery point still exists. A restore needs a recovery point, and AWS documents
 * `ListRecoveryPointsByResource` as the call that lists them for one resource; it answers only in
 * the resource's own account and region, so the bridge assumes a read-only role there
 * (`BACKUP_INVENTORY_ROLE`, deployed to member accounts with the forwarder StackSet). Without a
 * role it asks with its own credentials, which reach only the account it runs in.
 *
 * Every failure (no role for the account, access denied, throttled after the SDK's retries, AWS
 * down) answers `unavailable`: the sweep then reports the store as unknown and tags nothing.
 */
import {
  BackupClient,
  type BackupClientConfig,
  ListRecoveryPointsByResourceCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-backup';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import {
  type BackupInventory,
  type InventoryAnswer,
  type InventoryQuery,
  NO_INVENTORY,
} from '../backup/inventory.ts';
import type { Clock } from '../clock.ts';
import type { InventoryConfig } from '../config/tagger.ts';
import { excerpt } from '../excerpt.ts';

/** Where and how the inventory may ask. */
export interface AwsBackupInventorySettings {
  /**
   * Role to assume in the store's account: a role name (`dspm-bridge-backup-read`) or an ARN with
   * `{accountId}` (`arn:aws:iam::{accountId}:role/dspm-bridge-backup-read`). Undefined: the
   * bridge's own credentials, for its own account only.
   */
  readonly roleArnTemplate?: string | undefined;
  /** Accounts that may be asked; undefined: any. */
  readonly accounts?: ReadonlySet<string> | undefined;
  /** Regions that may be asked; undefined: any. */
  readonly regions?: ReadonlySet<string> | undefined;
  /** `MaxResults` per page (AWS: 1 to 1,000; RDS needs at least 20). */
  readonly pageSize?: number | undefined;
  /** Most pages read for one resource; a resource with more recovery points answers with what was read. */
  readonly maxPages?: number | undefined;
}

/** The clients, made by the caller so tests and Lambdas configure endpoints and tracing. */
export interface AwsBackupInventoryClients {
  readonly clock: Clock;
  /** Extra client configuration (an endpoint for the peer, `maxAttempts`; credentials, used without a role). */
  readonly backupConfig?: Omit<BackupClientConfig, 'region'> | undefined;
  readonly stsConfig?: STSClientConfig | undefined;
  /** Instruments each client made (X-Ray). */
  readonly capture?: (<T>(client: T) => T) | undefined;
}

/** Recovery point statuses that can be restored from. */
const USABLE = new Set(['COMPLETED', 'AVAILABLE']);
/** Assumed credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;
const SESSION_NAME = 'dspm-bridge-coverage';

type Credentials = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
};

/** `BackupInventory` over AWS Backup. */
export class AwsBackupInventory implements BackupInventory {
  readonly name = 'aws-backup';
  readonly #settings: AwsBackupInventorySettings;
  readonly #clients: AwsBackupInventoryClients;
  readonly #backup = new Map<string, BackupClient>();
  readonly #assumed = new Map<string, Promise<Credentials>>();
  #sts: STSClient | undefined;
  #ownAccount: Promise<string> | undefined;

  constructor(settings: AwsBackupInventorySettings, clients: AwsBackupInventoryClients) {
    this.#settings = settings;
    this.#clients = clients;
  }

  async lastRecoveryPoint(query: InventoryQuery): Promise<InventoryAnswer> {
    const { accounts, regions } = this.#settings;
    if (accounts && !accounts.has(query.accountId))
      return { kind: 'unavailable', why: `account ${query.accountId} is not in BACKUP_INVENTORY_ACCOUNTS` };
    if (regions && !regions.has(query.region))
      return { kind: 'unavailable', why: `region ${query.region} is not in BACKUP_INVENTORY_REGIONS` };
    try {
      const client = await this.#clientFor(query.accountId, query.region);
      if (!client)
        return {
          kind: 'unavailable',
          why: `account ${query.accountId} is not the bridge's own and BACKUP_INVENTORY_ROLE is not set`,
        };
      return { kind: 'answered', lastRecoveryPointAt: await this.#newest(client, query) };
    } catch (error) {
      const name = (error as Error).name;
      // AWS Backup answers ResourceNotFoundException for a resource it holds nothing about.
      if (error instanceof ResourceNotFoundException)
        return { kind: 'answered', lastRecoveryPointAt: undefined };
      return {
        kind: 'unavailable',
        why: `AWS Backup in ${query.accountId}/${query.region}: ${name}: ${excerpt((error as Error).message)}`,
      };
    }
  }

  async #newest(client: BackupClient, query: InventoryQuery): Promise<Date | undefined> {
    const pageSize = this.#settings.pageSize ?? 100;
    const maxPages = this.#settings.maxPages ?? 50;
    let newest: Date | undefined;
    let nextToken: string | undefined;
    // AWS documents no order for the list, so every page is read unless one point already suffices.
    for (let page = 0; page < maxPages; page++) {
      const output = await client.send(
        new ListRecoveryPointsByResourceCommand({
          ResourceArn: query.resourceArn,
          MaxResults: pageSize,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const point of output.RecoveryPoints ?? []) {
        if (!point.CreationDate || !USABLE.has(point.Status ?? '')) continue;
        if (!newest || point.CreationDate > newest) newest = point.CreationDate;
      }
      if (newest && newest >= query.enoughSince) return newest;
      nextToken = output.NextToken || undefined;
      if (!nextToken) return newest;
    }
    return newest;
  }

  async #clientFor(accountId: string, region: string): Promise<BackupClient | undefined> {
    const key = `${accountId}/${region}`;
    const template = this.#settings.roleArnTemplate;
    if (!template && (await this.#own()) !== accountId) return undefined;
    let client = this.#backup.get(key);
    if (!client) {
      const capture = this.#clients.capture ?? (<T>(c: T) => c);
      client = capture(
        new BackupClient({
          ...this.#clients.backupConfig,
          region,
          ...(template
            ? { credentials: () => this.#credentials(accountId, roleArnOf(template, accountId, region)) }
            : {}),
        }),
      );
      this.#backup.set(key, client);
    }
    return client;
  }

  #credentials(accountId: string, roleArn: string): Promise<Credentials> {
    const cached = this.#assumed.get(accountId);
    if (cached) {
      return cached.then((credentials) =>
        credentials.expiration &&
        credentials.expiration.getTime() - RENEW_BEFORE_MS > this.#clients.clock.now()
          ? credentials
          : this.#assume(accountId, roleArn),
      );
    }
    return this.#assume(accountId, roleArn);
  }

  #assume(accountId: string, roleArn: string): Promise<Credentials> {
    const pending = this.#stsClient()
      .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: SESSION_NAME, DurationSeconds: 900 }))
      .then(({ Credentials: c }) => {
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
        return {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
          ...(c.Expiration ? { expiration: c.Expiration } : {}),
        };
      });
    this.#assumed.set(accountId, pending);
    // A failed assumption is not kept: the next question tries again.
    pending.catch(() => this.#assumed.delete(accountId));
    return pending;
  }

  #own(): Promise<string> {
    this.#ownAccount ??= this.#stsClient()
      .send(new GetCallerIdentityCommand({}))
      .then(({ Account }) => Account ?? '');
    this.#ownAccount.catch(() => {
      this.#ownAccount = undefined;
    });
    return this.#ownAccount;
  }

  #stsClient(): STSClient {
    const capture = this.#clients.capture ?? (<T>(c: T) => c);
    this.#sts ??= capture(new STSClient({ ...this.#clients.stsConfig }));
    return this.#sts;
  }
}

/** The role ARN for an account: a name becomes `arn:<partition>:iam::<account>:role/<name>`. */
export function roleArnOf(template: string, accountId: string, region: string): string {
  if (template.startsWith('arn:')) return template.replaceAll('{accountId}', accountId);
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:iam::${accountId}:role/${template}`;
}

/** The inventory the configuration asks for: AWS Backup, or none at all (`BACKUP_INVENTORY=off`). */
export function inventoryFromConfig(
  config: InventoryConfig,
  clients: AwsBackupInventoryClients,
): BackupInventory {
  if (config.kind === 'off') return NO_INVENTORY;
  return new AwsBackupInventory(
    { roleArnTemplate: config.roleArnTemplate, accounts: config.accounts, regions: config.regions },
    {
      ...clients,
      backupConfig: {
        ...(config.backupEndpoint ? { endpoint: config.backupEndpoint } : {}),
        ...clients.backupConfig,
      },
      stsConfig: { ...(config.stsEndpoint ? { endpoint: config.stsEndpoint } : {}), ...clients.stsConfig },
    },
  );
}
