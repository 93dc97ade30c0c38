/**
 * The event sink port: where a poll's events go. Results come back per event, in order, so the
 * poller commits exactly the stores whose events were accepted.
 */
import type { BusEvent } from './contract.ts';

/** What happened to one event. */
export type PublishResult =
  | { readonly ok: true; readonly eventBridgeId?: string | undefined }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

/** Publishes events. */
export interface EventSink {
  /** Publishes `events`; never throws for a per-event failure, which comes back as its result. */
  publish(events: readonly BusEvent[]): Promise<PublishResult[]>;
}

/** The wire form of an entry, as `PutEvents` and the `--dry-run` output share it. */
export interface WireEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Time: string;
  readonly Detail: object;
}

/** An event in wire form (the detail still an object). */
export function toWireEntry(event: BusEvent): WireEntry {
  return {
    Source: event.source,
    DetailType: event.detailType,
    Time: event.time.toISOString(),
    Detail: event.detail,
  };
}
