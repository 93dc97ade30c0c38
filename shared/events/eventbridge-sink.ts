/**
 * Publishes events to an EventBridge bus. `PutEvents` answers per entry: `ThrottlingException`
 * and `InternalFailure` entries are retried with backoff, other failures are reported for their
 * store (its snapshot then stays uncommitted and the next poll finds the change again). A call
 * that throws after the SDK's own retries fails every entry of its batch.
 */

import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { backoffDelay } from '../backoff.ts';
import { type Clock, systemClock } from '../clock.ts';
import { type Logger, silentLogger } from '../logger.ts';
import type { BusEvent } from './contract.ts';
import { batchBySize, entrySize, MAX_PUT_EVENTS_BYTES } from './entry-size.ts';
import { resourcesOf } from './resources.ts';
import type { EventSink, PublishResult } from './sink.ts';

/** Entry error codes worth another try. */
export const RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'InternalFailure',
]);

/** Options of the EventBridge sink. */
export interface EventBridgeSinkOptions {
  readonly client: EventBridgeClient;
  readonly busName: string;
  readonly logger?: Logger | undefined;
  readonly clock?: Clock | undefined;
  readonly random?: (() => number) | undefined;
  /** Retries of retryable entries (default 4), backoff base and cap in ms (default 100 and 5000). */
  readonly retry?: { maxRetries?: number; baseDelayMs?: number; maxDelayMs?: number } | undefined;
}

/** Counters for the poll summary and benchmarks. */
export interface SinkStats {
  calls: number;
  published: number;
  failed: number;
  retriedEntries: number;
}

/** An `EventSink` backed by `PutEvents`. */
export class EventBridgeSink implements EventSink {
  readonly stats: SinkStats = { calls: 0, published: 0, failed: 0, retriedEntries: 0 };
  readonly #options: EventBridgeSinkOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };

  constructor(options: EventBridgeSinkOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#retry = { maxRetries: 4, baseDelayMs: 100, maxDelayMs: 5_000, ...options.retry };
  }

  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    const results: PublishResult[] = new Array(events.length);
    const sendable: { index: number; entry: PutEventsRequestEntry; size: number }[] = [];
    events.forEach((event, index) => {
      const resources = resourcesOf(event);
      const entry: PutEventsRequestEntry = {
        EventBusName: this.#options.busName,
        Source: event.source,
        DetailType: event.detailType,
        Time: event.time,
        Detail: JSON.stringify(event.detail),
        ...(resources.length > 0 ? { Resources: resources } : {}),
      };
      const size = entrySize({
        Source: event.source,
        DetailType: event.detailType,
        Detail: entry.Detail ?? '',
        Resources: resources,
      });
      if (size > MAX_PUT_EVENTS_BYTES) {
        results[index] = {
          ok: false,
          errorCode: 'EntryTooLarge',
          errorMessage: `entry of ${size} bytes exceeds EventBridge's 256 KB`,
        };
        return;
      }
      sendable.push({ index, entry, size });
    });
    for (const batch of batchBySize(sendable, (item) => item.size)) {
      await this.#sendBatch(batch, results);
    }
    for (const result of results) {
      if (result.ok) this.stats.published++;
      else this.stats.failed++;
    }
    return results;
  }

  async #sendBatch(
    batch: { index: number; entry: PutEventsRequestEntry }[],
    results: PublishResult[],
  ): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        this.stats.retriedEntries += pending.length;
        await this.#clock.sleep(backoffDelay(attempt, this.#retry, this.#options.random));
      }
      let answer: PutEventsCommandOutput;
      try {
        this.stats.calls++;
        answer = await this.#options.client.send(
          new PutEventsCommand({ Entries: pending.map((p) => p.entry) }),
        );
      } catch (error) {
        const name = (error as Error).name ?? 'Error';
        this.#logger.error('PutEvents failed', {
          error: name,
          reason: (error as Error).message,
          entries: pending.length,
        });
        for (const item of pending)
          results[item.index] = { ok: false, errorCode: name, errorMessage: (error as Error).message };
        return;
      }
      const retry: typeof pending = [];
      pending.forEach((item, position) => {
        const outcome = answer.Entries?.[position];
        if (outcome && !outcome.ErrorCode) {
          results[item.index] = { ok: true, eventBridgeId: outcome.EventId };
          return;
        }
        const code = outcome?.ErrorCode ?? 'MissingResult';
        const message = outcome?.ErrorMessage ?? 'PutEvents returned no result for this entry';
        if (RETRYABLE_ENTRY_ERRORS.has(code) && attempt < this.#retry.maxRetries) {
          retry.push(item);
          return;
        }
        results[item.index] = { ok: false, errorCode: code, errorMessage: message };
      });
      if (retry.length > 0)
        this.#logger.warn('PutEvents rejected entries; retrying', {
          entries: retry.length,
          attempt: attempt + 1,
        });
      pending = retry;
    }
  }
}
