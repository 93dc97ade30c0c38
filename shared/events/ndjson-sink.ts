/**
 * The `--dry-run` sink: each event as one JSON line (`{"Source","DetailType","Time","Detail"}`),
 * nothing published. Every event "succeeds", but a dry run commits nothing anyway.
 */
import type { BusEvent } from './contract.ts';
import { type EventSink, type PublishResult, toWireEntry } from './sink.ts';

/** Writes events as NDJSON through `writeLine`. */
export class NdjsonSink implements EventSink {
  readonly #writeLine: (line: string) => void;

  constructor(writeLine: (line: string) => void) {
    this.#writeLine = writeLine;
  }

  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    for (const event of events) this.#writeLine(JSON.stringify(toWireEntry(event)));
    return events.map(() => ({ ok: true }));
  }
}
