/**
 * A state backend in a process of its own, for benchmarks: the in-memory store behind a loopback
 * HTTP server (bench/lib/state-wire.ts), so a measured poller's memory holds what a Lambda's
 * would (its pages, its checkpoint, the DynamoDB client) and not the committed state, which in
 * production lives in DynamoDB.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PackedCheckpoint, packCheckpoint, unpackCheckpoint } from '#shared/state/checkpoint-codec.ts';
import { MemoryStateStore } from '#shared/state/memory-store.ts';
import type { StoreRecord } from '#shared/state/records.ts';
import {
  decode,
  encode,
  isStateMethod,
  type StateAnswer,
  type StateCall,
  type StateMethod,
} from './state-wire.ts';

/** A running state server. */
export interface StateServer {
  /** `http://127.0.0.1:<port>`: what {@link RemoteStateStore} takes. */
  readonly url: string;
  /** The store behind it, for a test to look into. */
  readonly store: MemoryStateStore;
  close(): Promise<void>;
}

/** Open `streamStores` walks at once; more means a client forgets to finish or close them. */
const MAX_CURSORS = 256;
/** Largest call body accepted (a baseline page of records is well under 1 MB). */
const MAX_BODY_BYTES = 64 << 20;

type Handler = (args: readonly unknown[]) => Promise<unknown>;
/** The port's methods that go to the store as they are. */
type ForwardedMethod = Exclude<
  StateMethod,
  'loadCheckpoint' | 'saveCheckpoint' | 'streamOpen' | 'streamNext' | 'streamClose' | 'stats'
>;

/** The calls of the wire, each mapped onto the store's method of the same name. */
function handlersFor(store: MemoryStateStore): Record<StateMethod, Handler> {
  const cursors = new Map<number, AsyncIterator<readonly StoreRecord[]>>();
  let nextCursor = 1;
  // The arguments arrive as the client's port call passed them; the store checks them as it does
  // for an in-process caller.
  const forward =
    (method: ForwardedMethod): Handler =>
    (args) =>
      (store[method] as (...args: unknown[]) => Promise<unknown>).apply(store, [...args]);
  return {
    tryAcquireLease: forward('tryAcquireLease'),
    renewLease: forward('renewLease'),
    releaseLease: forward('releaseLease'),
    loadMeta: forward('loadMeta'),
    loadStores: forward('loadStores'),
    loadStoresById: forward('loadStoresById'),
    commitStores: forward('commitStores'),
    saveMeta: forward('saveMeta'),
    loadCheckpoint: async ([tenant]) => {
      const checkpoint = await store.loadCheckpoint(String(tenant));
      return checkpoint && packCheckpoint(checkpoint);
    },
    saveCheckpoint: ([tenant, packed]) =>
      store.saveCheckpoint(String(tenant), unpackCheckpoint(packed as PackedCheckpoint)),
    clearCheckpoint: forward('clearCheckpoint'),
    streamOpen: async ([tenant]) => {
      if (cursors.size >= MAX_CURSORS) {
        throw new Error(`more than ${MAX_CURSORS} store streams open: finish or close them (streamClose)`);
      }
      const cursor = nextCursor++;
      cursors.set(cursor, store.streamStores(String(tenant))[Symbol.asyncIterator]());
      return cursor;
    },
    streamNext: async ([cursor]) => {
      const iterator = cursors.get(Number(cursor));
      if (iterator === undefined) throw new Error(`no open store stream ${String(cursor)}`);
      const next = await iterator.next();
      if (next.done) cursors.delete(Number(cursor));
      return next.done ? undefined : next.value;
    },
    streamClose: async ([cursor]) => {
      cursors.delete(Number(cursor));
    },
    stats: async () => ({
      itemsWritten: store.itemsWritten,
      rssMb: process.memoryUsage.rss() / 2 ** 20,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`call body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function answer(handlers: Record<StateMethod, Handler>, store: MemoryStateStore, body: Buffer) {
  const call = decode<StateCall>(body);
  if (!isStateMethod(call.method)) throw new Error(`unknown state call ${String(call.method)}`);
  const before = store.itemsWritten;
  const pending = handlers[call.method](call.args);
  // The memory store changes its maps before its first await, so the count read here is this
  // call's alone even while other clients' calls are in flight.
  const written = store.itemsWritten - before;
  return { ok: true, value: await pending, written } satisfies StateAnswer;
}

/** Serves `store` (a fresh memory store by default) on a free loopback port. */
export async function startStateServer(store = new MemoryStateStore()): Promise<StateServer> {
  const handlers = handlersFor(store);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const reply = (message: StateAnswer, status: number) => {
      const bytes = encode(message);
      response.writeHead(status, {
        'content-type': 'application/x-v8-serialized',
        'content-length': bytes.length,
      });
      response.end(bytes);
    };
    if (request.method !== 'POST') {
      request.resume();
      return reply({ ok: false, name: 'Error', message: 'the state server takes POST only' }, 405);
    }
    readBody(request)
      .then((body) => answer(handlers, store, body))
      .then(
        (message) => reply(message, 200),
        (error: unknown) => {
          const { name, message } = error instanceof Error ? error : new Error(String(error));
          reply({ ok: false, name, message }, 200);
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
