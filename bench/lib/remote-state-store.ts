/**
 * The `SnapshotStore` port over the wire to a state process (bench/lib/state-server.ts): what a
 * benchmark's poller uses in place of DynamoDB, so the committed state is in another process as
 * it is in production, and each poller process counts the items it wrote itself.
 */
import { Agent, request } from 'node:http';
import type { PollCheckpoint } from '#shared/poll/poll-checkpoint.ts';
import { type PackedCheckpoint, packCheckpoint, unpackCheckpoint } from '#shared/state/checkpoint-codec.ts';
import type { CommitOutcome, SnapshotStore, StoreRecord, TenantMeta } from '#shared/state/records.ts';
import { decode, encode, type StateAnswer, type StateMethod, type StateStats } from './state-wire.ts';

/** Records per `commitStores` call: about a DynamoDB Query page's worth. */
const COMMIT_SLICE = 1_000;

/** A call the state process refused or could not answer. */
export class RemoteStateError extends Error {
  readonly method: StateMethod;
  constructor(method: StateMethod, message: string, options?: ErrorOptions) {
    super(`state process, ${method}: ${message}`, options);
    this.name = 'RemoteStateError';
    this.method = method;
  }
}

/** A `SnapshotStore` whose state lives in a state server at `url`. */
export class RemoteStateStore implements SnapshotStore {
  readonly #url: URL;
  // A few kept-alive sockets: a poll has a page commit and a lease renewal in flight at most.
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 8 });
  #itemsWritten = 0;

  constructor(url: string) {
    this.#url = new URL(url);
  }

  /** Items this client's calls wrote (leases and meta included), as a DynamoDB store counts its own. */
  get itemsWritten(): number {
    return this.#itemsWritten;
  }

  tryAcquireLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    return this.#call('tryAcquireLease', [tenant, holder, now, ttlMs]);
  }

  renewLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    return this.#call('renewLease', [tenant, holder, now, ttlMs]);
  }

  releaseLease(tenant: string, holder: string): Promise<void> {
    return this.#call('releaseLease', [tenant, holder]);
  }

  loadMeta(tenant: string): Promise<TenantMeta | undefined> {
    return this.#call('loadMeta', [tenant]);
  }

  loadStores(tenant: string): Promise<Map<number, StoreRecord>> {
    return this.#call('loadStores', [tenant]);
  }

  loadStoresById(tenant: string, storeIds: readonly number[]): Promise<Map<number, StoreRecord>> {
    return this.#call('loadStoresById', [tenant, storeIds]);
  }

  /** Batches fetched one call at a time (a DynamoDB Query page each), closed if the walk stops early. */
  async *streamStores(tenant: string): AsyncIterable<readonly StoreRecord[]> {
    const cursor = await this.#call<number>('streamOpen', [tenant]);
    let finished = false;
    try {
      for (;;) {
        const batch = await this.#call<readonly StoreRecord[] | undefined>('streamNext', [cursor]);
        if (batch === undefined) {
          finished = true;
          return;
        }
        yield batch;
      }
    } finally {
      if (!finished) await this.#call('streamClose', [cursor]);
    }
  }

  /**
   * Sends the records a slice at a time, as the DynamoDB store writes them a batch at a time, so
   * a whole-state commit (the poll as it was before it streamed) never sends one huge body.
   */
  async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options?: { baseline?: boolean },
  ): Promise<CommitOutcome> {
    let committed = 0;
    const stale: number[] = [];
    for (let start = 0; start < records.length || start === 0; start += COMMIT_SLICE) {
      const slice = records.slice(start, start + COMMIT_SLICE);
      const outcome = await this.#call<CommitOutcome>(
        'commitStores',
        options === undefined ? [tenant, slice] : [tenant, slice, options],
      );
      committed += outcome.committed;
      stale.push(...outcome.stale);
    }
    return { committed, stale };
  }

  saveMeta(tenant: string, meta: TenantMeta): Promise<void> {
    return this.#call('saveMeta', [tenant, meta]);
  }

  /** Unpacked here, as the DynamoDB store unpacks what it reads. */
  async loadCheckpoint(tenant: string): Promise<PollCheckpoint | undefined> {
    const packed = await this.#call<PackedCheckpoint | undefined>('loadCheckpoint', [tenant]);
    return packed && unpackCheckpoint(packed);
  }

  /** Packed here, as the DynamoDB store packs what it writes. */
  saveCheckpoint(tenant: string, checkpoint: PollCheckpoint): Promise<boolean> {
    return this.#call('saveCheckpoint', [tenant, packCheckpoint(checkpoint)]);
  }

  clearCheckpoint(tenant: string, pollId: string): Promise<void> {
    return this.#call('clearCheckpoint', [tenant, pollId]);
  }

  /** The state process's items written (every client's) and its memory. */
  stats(): Promise<StateStats> {
    return this.#call('stats', []);
  }

  /** Lets the process exit: kept-alive sockets would otherwise hold it a few seconds. */
  close(): void {
    this.#agent.destroy();
  }

  async #call<T>(method: StateMethod, args: readonly unknown[]): Promise<T> {
    const body = encode({ method, args });
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const call = request(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { 'content-type': 'application/x-v8-serialized', 'content-length': body.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks)));
          response.on('error', reject);
        },
      );
      call.on('error', (error) =>
        reject(
          new RemoteStateError(
            method,
            `no answer from ${this.#url.origin} (${error.message}); is it running?`,
            {
              cause: error,
            },
          ),
        ),
      );
      call.end(body);
    });
    const answer = decode<StateAnswer>(bytes);
    if (!answer.ok) throw new RemoteStateError(method, `${answer.name}: ${answer.message}`);
    this.#itemsWritten += answer.written;
    return answer.value as T;
  }
}
