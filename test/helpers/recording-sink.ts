import type { BusEvent } from '#shared/events/contract.ts';
import type { EventSink, PublishResult } from '#shared/events/sink.ts';

/** A sink that keeps every event it accepts; `reject` decides which ones it refuses. */
export class RecordingSink implements EventSink {
  readonly events: BusEvent[] = [];
  /** Every event offered, refused ones included. */
  readonly attempted: BusEvent[] = [];
  reject: (event: BusEvent) => boolean = () => false;

  async publish(events: readonly BusEvent[]): Promise<PublishResult[]> {
    return events.map((event) => {
      this.attempted.push(event);
      if (this.reject(event))
        return { ok: false, errorCode: 'InternalFailure', errorMessage: 'rejected by the test' };
      this.events.push(event);
      return { ok: true };
    });
  }

  /** Events of one detail type, details only. */
  details<T = Record<string, unknown>>(detailType: string): T[] {
    return this.events.filter((e) => e.detailType === detailType).map((e) => e.detail as T);
  }

  clear(): void {
    this.events.length = 0;
    this.attempted.length = 0;
  }
}
