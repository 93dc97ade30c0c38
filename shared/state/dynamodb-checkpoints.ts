/**
 * Poll checkpoints in the state table. A checkpoint is a header item and its seen ids in parts
 * below DynamoDB's 400 KB item cap (1,000,000 ids pack into 5 B to 2 MB: one to six parts). The
 * parts are written first under keys of their own save (a write id), then the header is put on
 * condition (`checkpointMayReplace`): a save that loses the race, or dies half-way, leaves the
 * stored checkpoint whole, and its stray parts age out by TTL. The replaced checkpoint's parts
 * are deleted once the new header holds.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../errors.ts';
import { checkpointMayReplace, type PollCheckpoint } from '../poll/poll-checkpoint.ts';
import { packCheckpoint, unpackCheckpoint } from './checkpoint-codec.ts';
import { chunkBytes } from './seen-ids.ts';
import { CHECKPOINT_SORT_KEY, checkpointPartSortKey, STATE_TABLE, tenantPartition } from './table-design.ts';

/** Bytes of packed ids per part: under 400 KB with the keys and attribute names. */
const PART_BYTES = 350_000;
/** A checkpoint nobody advanced for a week is gone (its poll long since abandoned). */
const CHECKPOINT_RETENTION_S = 7 * 24 * 3600;
/** Tries of one BatchGetItem before its unprocessed keys are an error. */
const BATCH_GET_TRIES = 8;

/** What the header item holds besides its key. */
interface HeaderItem {
  readonly pollId: string;
  readonly chunk: number;
  readonly header: string;
  readonly parts: number;
  /** The save that wrote the parts (their keys). */
  readonly write: string;
}

/** Reads and writes one table's checkpoints; `onWrite` counts the items written. */
export class DynamoDbCheckpoints {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onWrite: (items: number) => void;

  constructor(client: DynamoDBDocumentClient, table: string, onWrite: (items: number) => void) {
    this.#client = client;
    this.#table = table;
    this.#onWrite = onWrite;
  }

  async load(tenant: string): Promise<PollCheckpoint | undefined> {
    const header = await this.#header(tenant);
    if (header === undefined) return undefined;
    const keys = Array.from({ length: header.parts }, (_, part) =>
      this.#key(tenant, checkpointPartSortKey(header.pollId, header.write, part)),
    );
    const parts = new Map<string, Uint8Array>();
    let pending = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > BATCH_GET_TRIES)
        throw new TransientError(
          `DynamoDB left ${pending.length} checkpoint parts unread after ${BATCH_GET_TRIES} tries`,
        );
      const { Responses, UnprocessedKeys } = await this.#client.send(
        new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.#table] ?? [])
        parts.set(String(item[STATE_TABLE.sortKey]), item.bytes as Uint8Array);
      pending = (UnprocessedKeys?.[this.#table]?.Keys ?? []) as typeof keys;
    }
    const pieces = keys.map((key) => parts.get(String(key[STATE_TABLE.sortKey])));
    if (pieces.some((piece) => piece === undefined))
      throw new RangeError(
        `the poll checkpoint of ${tenant} (poll ${header.pollId}, chunk ${header.chunk}) is missing parts of its seen ids`,
      );
    return unpackCheckpoint({ header: header.header, seen: concat(pieces as Uint8Array[]) });
  }

  async save(tenant: string, checkpoint: PollCheckpoint): Promise<boolean> {
    // Checked first so a refused save writes nothing; the conditional put below settles races.
    const previous = await this.#header(tenant);
    if (!checkpointMayReplace(previous, checkpoint)) return false;
    const write = randomUUID();
    const packed = packCheckpoint(checkpoint);
    const pieces = chunkBytes(packed.seen, PART_BYTES);
    const expiresAt = Math.ceil(Date.now() / 1000) + CHECKPOINT_RETENTION_S;
    for (const [part, bytes] of pieces.entries()) {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...this.#key(tenant, checkpointPartSortKey(checkpoint.pollId, write, part)),
            bytes,
            [STATE_TABLE.ttlAttribute]: expiresAt,
          },
        }),
      );
      this.#onWrite(1);
    }
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...this.#key(tenant, CHECKPOINT_SORT_KEY),
            pollId: checkpoint.pollId,
            chunk: checkpoint.chunk,
            header: packed.header,
            parts: pieces.length,
            write,
            [STATE_TABLE.ttlAttribute]: expiresAt,
          } satisfies HeaderItem & Record<string, unknown>,
          // checkpointMayReplace, as a condition: over none, or over fewer chunks of the same poll.
          ConditionExpression: 'attribute_not_exists(#sk) OR (pollId = :pollId AND chunk < :chunk)',
          ExpressionAttributeNames: { '#sk': STATE_TABLE.sortKey },
          ExpressionAttributeValues: { ':pollId': checkpoint.pollId, ':chunk': checkpoint.chunk },
        }),
      );
      this.#onWrite(1);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.#deleteParts(tenant, { pollId: checkpoint.pollId, write, parts: pieces.length });
      return false;
    }
    if (previous) await this.#deleteParts(tenant, previous);
    return true;
  }

  async clear(tenant: string, pollId: string): Promise<void> {
    const header = await this.#header(tenant);
    if (header?.pollId !== pollId) return;
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: this.#key(tenant, CHECKPOINT_SORT_KEY),
          ConditionExpression: 'pollId = :pollId',
          ExpressionAttributeValues: { ':pollId': pollId },
        }),
      );
      this.#onWrite(1);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
    await this.#deleteParts(tenant, header);
  }

  async #header(tenant: string): Promise<HeaderItem | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: this.#key(tenant, CHECKPOINT_SORT_KEY),
        ConsistentRead: true,
      }),
    );
    return Item as HeaderItem | undefined;
  }

  /** Best effort: a part left behind is only bytes, and its TTL removes it. */
  async #deleteParts(tenant: string, of: Pick<HeaderItem, 'pollId' | 'write' | 'parts'>): Promise<void> {
    for (let part = 0; part < of.parts; part++) {
      await this.#client
        .send(
          new DeleteCommand({
            TableName: this.#table,
            Key: this.#key(tenant, checkpointPartSortKey(of.pollId, of.write, part)),
          }),
        )
        .then(() => this.#onWrite(1))
        .catch(() => {});
    }
  }

  #key(tenant: string, sortKey: string): Record<string, string> {
    return { [STATE_TABLE.partitionKey]: tenantPartition(tenant), [STATE_TABLE.sortKey]: sortKey };
  }
}

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
