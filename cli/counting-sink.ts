/**
 * Wraps a sink to count the entries it refused, the poll summary included (the use case reports
 * only the per-store ones), so a command can exit 1 when anything it had to deliver was refused.
 */
import type { BusEvent } from '#shared/events/contract.ts';
import type { EventSink, PublishResult } from '#shared/events/sink.ts';

/** A sink that counts refusals and remembers the first reason. */
export class CountingSink implements EventSink {
  readonly #inner: EventSink;
  #refused = 0;
  #firstReason: string | undefined;

  constructor(inner: EventSink) {
    this.#inner = inner;
  }

  /** Entries refused since the last `reset`. */
  get refused(): number {
    return this.#refused;
  }

  /** The first refusal's code and message, e.g. `ResourceNotFoundException: Event bus x does not exist`. */
  get firstReason(): string | undefined {
    return this.#firstReason;
  }

  /** Starts counting afresh (each pass of a poll loop). */
  reset(): void {
    this.#refused = 0;
    this.#firstReason = undefined;
  }

  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    const results = await this.#inner.publish(events);
    for (const result of results) {
      if (result.ok) continue;
      this.#refused++;
      this.#firstReason ??= `${result.errorCode}: ${result.errorMessage}`;
    }
    return results;
  }
}
