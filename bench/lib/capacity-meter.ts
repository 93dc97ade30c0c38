/**
 * Counts the DynamoDB capacity a document client's commands consume, by DynamoDB's own rules
 * (moto reports none): item size is the sum of attribute names and values (strings and binary by
 * their bytes, numbers about one byte per two significant digits plus one, maps and lists 3 bytes
 * plus one per element, booleans and nulls 1); a read unit covers 4 KB strongly consistent (half
 * eventually), each BatchGetItem item rounded on its own and a Query's items summed first; a write
 * unit covers 1 KB, a failed conditional write still pays, and a store item also writes each
 * global secondary index whose key it carries (both of the state table's project ALL).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STATE_TABLE } from '#shared/state/table-design.ts';

/** Read and write units so far, and the calls behind them. */
export interface Capacity {
  /** Units on store and fingerprint items (they grow with the tenant). */
  readUnits: number;
  writeUnits: number;
  /** Units on the tenant's own items (lease, meta, checkpoint): the same whatever its size. */
  fixedReadUnits: number;
  fixedWriteUnits: number;
  calls: number;
}

/** Items that grow with the tenant: store records and fingerprint buckets. */
const grows = (sortKey: unknown) =>
  typeof sortKey === 'string' && (sortKey.startsWith('store#') || sortKey.startsWith('fpx#'));

/** DynamoDB's size of one attribute value. */
function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits =
      String(Math.abs(value))
        .replace(/[.e+-]/g, '')
        .replace(/^0+/, '').length || 1;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, item) => sum + valueSize(item) + 1, 0);
  if (value instanceof Set) return [...value].reduce((sum: number, item) => sum + valueSize(item), 0);
  return (
    3 +
    Object.entries(value as object).reduce(
      (sum, [name, item]) => sum + Buffer.byteLength(name) + valueSize(item) + 1,
      0,
    )
  );
}

/** DynamoDB's size of one item. */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value),
    0,
  );
}

const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** A put's units: the item, and each index whose key it carries. */
function putUnits(item: Record<string, unknown>): number {
  const indexes = [STATE_TABLE.endpointKey, STATE_TABLE.resourceKey].filter(
    (key) => item[key] !== undefined,
  ).length;
  return writeUnits(itemSize(item)) * (1 + indexes);
}

type Input = Record<string, unknown> & {
  Item?: Record<string, unknown>;
  Key?: Record<string, unknown>;
  ConsistentRead?: boolean;
  RequestItems?: Record<string, unknown>;
};
type Output = {
  Item?: Record<string, unknown>;
  Items?: Record<string, unknown>[];
  Responses?: Record<string, Record<string, unknown>[]>;
};

/** Adds a meter to `client`; every command it sends from now on is counted in the returned object. */
export function meterCapacity(client: DynamoDBDocumentClient): Capacity {
  const capacity: Capacity = { readUnits: 0, writeUnits: 0, fixedReadUnits: 0, fixedWriteUnits: 0, calls: 0 };
  const read = (units: number, sortKey?: unknown) => {
    if (sortKey === undefined || grows(sortKey)) capacity.readUnits += units;
    else capacity.fixedReadUnits += units;
  };
  const write = (units: number, sortKey?: unknown) => {
    if (sortKey === undefined || grows(sortKey)) capacity.writeUnits += units;
    else capacity.fixedWriteUnits += units;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Input;
      const command = context.commandName ?? '';
      capacity.calls++;
      let output: Output | undefined;
      try {
        const result = await next(args);
        output = result.output as Output;
        return result;
      } catch (error) {
        // A conditional write that failed still consumed its units.
        if (command === 'PutCommand' && input.Item) capacity.writeUnits += putUnits(input.Item);
        else if (
          command.endsWith('ItemCommand') ||
          command === 'UpdateCommand' ||
          command === 'DeleteCommand'
        )
          capacity.writeUnits += 1;
        throw error;
      } finally {
        if (output) count(command, input, output);
      }
    },
    { step: 'initialize', name: 'meterCapacity' },
  );
  function count(command: string, input: Input, output: Output): void {
    const sortKey = (input.Key ?? input.Item)?.[STATE_TABLE.sortKey];
    switch (command) {
      case 'GetItemCommand':
        read(readUnits(output.Item ? itemSize(output.Item) : 0, input.ConsistentRead === true), sortKey);
        break;
      case 'BatchGetItemCommand': {
        for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
          const { Keys = [], ConsistentRead = false } = request as {
            Keys?: unknown[];
            ConsistentRead?: boolean;
          };
          const items = output.Responses?.[table] ?? [];
          for (const item of items) read(readUnits(itemSize(item), ConsistentRead));
          // A key with no item still reads one unit's worth.
          read(Math.max(0, Keys.length - items.length) * readUnits(0, ConsistentRead));
        }
        break;
      }
      case 'QueryCommand':
        read(
          readUnits(
            (output.Items ?? []).reduce((sum, item) => sum + itemSize(item), 0),
            input.ConsistentRead === true,
          ),
        );
        break;
      case 'PutItemCommand':
        if (input.Item) write(putUnits(input.Item), sortKey);
        break;
      case 'BatchWriteItemCommand':
        for (const requests of Object.values(input.RequestItems ?? {}))
          for (const request of requests as { PutRequest?: { Item: Record<string, unknown> } }[])
            write(request.PutRequest ? putUnits(request.PutRequest.Item) : 1);
        break;
      case 'UpdateItemCommand':
      case 'DeleteItemCommand':
        // Leases, locks and checkpoints: items well under 1 KB.
        write(1, sortKey);
        break;
    }
  }
  return capacity;
}
