/**
 * The NDJSON sink: each event as one JSON line (`{"Source","DetailType","Time","Detail"}`), the
 * shape of `--dry-run` and of the CLI's output without a bus. Each batch goes to `write` as one
 * chunk of whole lines, so a writer that flushes per call (a file) never leaves half a batch.
 * Every event "succeeds" once `write` returns; when `write` throws, `publish` rejects and the
 * caller commits nothing.
 */
import type { BusEvent } from './contract.ts';
import { type EventSink, type PublishResult, toWireEntry } from './sink.ts';

/** Writes events as NDJSON through `write` (one call per batch, every line ending in `\n`). */
export class NdjsonSink implements EventSink {
  readonly #write: (text: string) => void;

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    if (events.length === 0) return [];
    this.#write(events.map((event) => `${JSON.stringify(toWireEntry(event))}\n`).join(''));
    return events.map(() => ({ ok: true }));
  }
}
