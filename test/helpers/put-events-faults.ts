/**
 * Fault injection on a real EventBridge client: entries chosen by a predicate are held back from
 * the real `PutEvents` call and answered with a per-entry error, exactly as EventBridge reports a
 * partial failure. Everything else goes to the (moto) bus unchanged.
 */
import type {
  EventBridgeClient,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
  PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';

/** Which entries fail, and with which code. */
export interface PutEventsFault {
  fails: (entry: PutEventsRequestEntry) => boolean;
  errorCode: string;
  /** How many entries it fails before it stops (default: unlimited). */
  remaining?: number;
}

/** Installs the fault; returns a function that removes it. */
export function injectPutEventsFault(client: EventBridgeClient, fault: PutEventsFault): () => void {
  const name = `put-events-fault-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutEventsCommand') return next(args);
      const input = args.input as { Entries?: PutEventsRequestEntry[] };
      const entries = input.Entries ?? [];
      const failedAt = new Set<number>();
      entries.forEach((entry, index) => {
        if ((fault.remaining ?? Number.POSITIVE_INFINITY) > 0 && fault.fails(entry)) {
          failedAt.add(index);
          if (fault.remaining !== undefined) fault.remaining--;
        }
      });
      if (failedAt.size === 0) return next(args);
      const kept = entries.filter((_, index) => !failedAt.has(index));
      const sent: PutEventsResultEntry[] =
        kept.length > 0
          ? (((await next({ ...args, input: { ...input, Entries: kept } })).output as PutEventsCommandOutput)
              .Entries ?? [])
          : [];
      let cursor = 0;
      const merged = entries.map((_, index) =>
        failedAt.has(index)
          ? { ErrorCode: fault.errorCode, ErrorMessage: 'injected by the test' }
          : (sent[cursor++] ?? {}),
      );
      const output: PutEventsCommandOutput = {
        $metadata: {},
        Entries: merged,
        FailedEntryCount: merged.filter((e) => e.ErrorCode).length,
      };
      return { output, response: {} } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name },
  );
  return () => client.middlewareStack.remove(name);
}

/** A `PutEvents` call that throws, as the SDK does once its own retries gave up (a network error). */
export interface PutEventsThrow {
  /** Whether this call throws, given its entries. */
  throwsOn: (entries: readonly PutEventsRequestEntry[]) => boolean;
  /** How many calls it throws on before it stops (default 1). */
  remaining?: number;
  /** The entries of every call it threw on, to compare with what is sent later. */
  readonly thrown: PutEventsRequestEntry[][];
}

/** Makes chosen `PutEvents` calls throw before they reach the bus; returns a function that removes it. */
export function throwOnPutEvents(client: EventBridgeClient, fault: PutEventsThrow): () => void {
  const name = `put-events-throw-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const entries = (args.input as { Entries?: PutEventsRequestEntry[] }).Entries ?? [];
      if (
        context.commandName !== 'PutEventsCommand' ||
        (fault.remaining ?? 1) <= 0 ||
        !fault.throwsOn(entries)
      )
        return next(args);
      fault.remaining = (fault.remaining ?? 1) - 1;
      fault.thrown.push(entries);
      throw Object.assign(new Error('socket hang up (injected by the test)'), {
        name: 'TimeoutError',
        code: 'ECONNRESET',
      });
    },
    { step: 'initialize', name },
  );
  return () => client.middlewareStack.remove(name);
}
