/**
 * An `ExceptionStore` in DynamoDB (see `table-design.ts`): exceptions in the state table, their
 * audit trail in the audit table. Creating and revoking write the exception and its entry in one
 * transaction; every entry is a put that refuses to overwrite (`attribute_not_exists`), so an
 * entry, once written, is never replaced, by this code or a retry of it.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../errors.ts';
import type { FindingException } from '../events/contract.ts';
import type {
  AuditEntry,
  AuditedException,
  ExceptionStore,
  Revocation,
} from '../exceptions/exception-store.ts';
import {
  AUDIT_TABLE,
  auditSortKey,
  EXCEPTION_SORT_PREFIX,
  exceptionSortKey,
  tenantPartition,
} from './table-design.ts';

/** Options of the DynamoDB exception store. */
export interface DynamoDbExceptionStoreOptions {
  readonly client: DynamoDBDocumentClient;
  /** The state table (`STATE_TABLE_NAME`). */
  readonly tableName: string;
  /** The audit table (`EXCEPTION_AUDIT_TABLE_NAME`); without it, reads work and writes are refused. */
  readonly auditTableName: string | undefined;
}

const NO_OVERWRITE = 'attribute_not_exists(pk)';

const ACTION_ORDER: Record<AuditEntry['action'], number> = {
  created: 0,
  expiring: 1,
  expired: 2,
  revoked: 3,
};

/** Exceptions in the state table, audit entries in the audit table. */
export class DynamoDbExceptionStore implements ExceptionStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #auditTable: string | undefined;

  constructor(options: DynamoDbExceptionStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#auditTable = options.auditTableName;
  }

  async createException(exception: FindingException, created: AuditEntry): Promise<void> {
    await this.#client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.#table,
              Item: {
                pk: tenantPartition(exception.tenant),
                sk: exceptionSortKey(exception.exceptionId),
                exception,
              },
              ConditionExpression: NO_OVERWRITE,
            },
          },
          { Put: this.#auditPut(exception.tenant, created) },
        ],
      }),
    );
  }

  async revokeException(
    tenant: string,
    exceptionId: string,
    revocation: Revocation,
    revoked: AuditEntry,
  ): Promise<FindingException | undefined> {
    const current = await this.getException(tenant, exceptionId);
    if (current === undefined || current.exception.revokedAt !== null) return undefined;
    const next: FindingException = { ...current.exception, ...revocation };
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#table,
                Key: { pk: tenantPartition(tenant), sk: exceptionSortKey(exceptionId) },
                UpdateExpression: 'SET #e = :next',
                // Revoked once: a second revocation (a race of two people) finds it set and fails.
                ConditionExpression: 'attribute_exists(pk) AND #e.revokedAt = :none',
                ExpressionAttributeNames: { '#e': 'exception' },
                ExpressionAttributeValues: { ':next': next, ':none': null },
              },
            },
            { Put: this.#auditPut(tenant, revoked) },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) return undefined;
      throw error;
    }
    return next;
  }

  async appendAudit(tenant: string, entry: AuditEntry): Promise<boolean> {
    try {
      await this.#client.send(new PutCommand(this.#auditPut(tenant, entry)));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listExceptions(tenant: string): Promise<AuditedException[]> {
    const exceptions: FindingException[] = [];
    for await (const page of paginateQuery(
      { client: this.#client },
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': tenantPartition(tenant), ':prefix': EXCEPTION_SORT_PREFIX },
      },
    ))
      for (const item of page.Items ?? []) exceptions.push(item.exception as FindingException);
    if (exceptions.length === 0) return [];
    const entries = await this.#entries(tenant);
    return exceptions.map((exception) => ({
      exception,
      audit: entries.filter((entry) => entry.exceptionId === exception.exceptionId),
    }));
  }

  async getException(tenant: string, exceptionId: string): Promise<AuditedException | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: tenantPartition(tenant), sk: exceptionSortKey(exceptionId) },
        ConsistentRead: true,
      }),
    );
    if (Item === undefined) return undefined;
    return { exception: Item.exception as FindingException, audit: await this.#entries(tenant, exceptionId) };
  }

  /** The tenant's entries (or one exception's), oldest first. */
  async #entries(tenant: string, exceptionId?: string): Promise<AuditEntry[]> {
    if (this.#auditTable === undefined) return [];
    const entries: AuditEntry[] = [];
    for await (const page of paginateQuery(
      { client: this.#client },
      {
        TableName: this.#auditTable,
        KeyConditionExpression: exceptionId ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': tenantPartition(tenant),
          ...(exceptionId ? { ':prefix': `${exceptionId}#` } : {}),
        },
      },
    ))
      for (const item of page.Items ?? []) entries.push(item.entry as AuditEntry);
    // Each action happens once, in this order: the order they were written, whatever their times
    // say (an `expired` entry is dated at the exception's expiresAt, not when a poll noticed it).
    return entries.sort(
      (a, b) => a.exceptionId.localeCompare(b.exceptionId) || ACTION_ORDER[a.action] - ACTION_ORDER[b.action],
    );
  }

  #auditPut(tenant: string, entry: AuditEntry) {
    if (this.#auditTable === undefined)
      throw new ConfigError(
        'EXCEPTION_AUDIT_TABLE_NAME is not set; every exception change is written to that audit table (the stack output ExceptionAuditTableName)',
      );
    return {
      TableName: this.#auditTable,
      Item: {
        [AUDIT_TABLE.partitionKey]: tenantPartition(tenant),
        [AUDIT_TABLE.sortKey]: auditSortKey(entry.exceptionId, entry.action),
        entry,
      },
      ConditionExpression: NO_OVERWRITE,
    };
  }
}
