/**
 * Where a CLI command's events go: the EventBridge bus named by `EVENT_BUS_NAME`, or, without one
 * (a laptop with no AWS bus) and in a dry run, NDJSON lines in the `--dry-run` shape on stdout or
 * appended to `--events FILE`. Commands commit state only after their sink returns, and the file
 * sink returns only once the lines are on disk (fsync), so a crash never commits a store whose
 * event was not written.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { NdjsonSink } from '#shared/events/ndjson-sink.ts';
import type { EventSink } from '#shared/events/sink.ts';
import { type CliIo, UsageError } from './io.ts';

/** Where the events go. */
export type EventDestination =
  | { readonly kind: 'bus'; readonly busName: string }
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string };

/** The sink and a line that tells the person where events went. */
export interface EventOutput {
  readonly sink: EventSink;
  readonly destination: EventDestination;
  /** One line for stderr, e.g. `events: NDJSON on stdout (EVENT_BUS_NAME is not set)`. */
  readonly notice: string;
}

/** What decides the destination. */
export interface EventOutputChoice {
  readonly dryRun: boolean;
  /** `--events FILE`. */
  readonly eventsFile?: string | undefined;
  /** `EVENT_BUS_NAME`, and the sink that publishes to it. */
  readonly bus?: { readonly name: string; readonly sink: EventSink } | undefined;
  /** `--json`: the command's report wants stdout, so events may not take it too. */
  readonly json: boolean;
}

/** The configured bus of a runtime, as `EventOutputChoice.bus` takes it. */
export function configuredBus(runtime: {
  readonly publishing: { readonly eventBusName: string | undefined };
  readonly eventBridgeSink: EventSink | undefined;
}): EventOutputChoice['bus'] {
  const name = runtime.publishing.eventBusName;
  return name && runtime.eventBridgeSink ? { name, sink: runtime.eventBridgeSink } : undefined;
}

/**
 * Picks the events' destination.
 * @throws UsageError when `--events` contradicts `EVENT_BUS_NAME`, or `--json` and the events
 * would both go to stdout.
 */
export function chooseEventOutput(choice: EventOutputChoice, io: CliIo): EventOutput {
  if (choice.bus && !choice.dryRun) {
    if (choice.eventsFile !== undefined)
      throw new UsageError(
        `--events ${choice.eventsFile} writes events to a file, but EVENT_BUS_NAME is set (${choice.bus.name}): unset one of them`,
      );
    return {
      sink: choice.bus.sink,
      destination: { kind: 'bus', busName: choice.bus.name },
      notice: `events: published to the EventBridge bus ${choice.bus.name}`,
    };
  }
  const why = choice.dryRun ? 'dry run: nothing is published or committed' : 'EVENT_BUS_NAME is not set';
  if (choice.eventsFile !== undefined) {
    return {
      sink: new NdjsonSink(fileAppender(choice.eventsFile)),
      destination: { kind: 'file', path: choice.eventsFile },
      notice: `events: NDJSON appended to ${choice.eventsFile} (${why})`,
    };
  }
  if (choice.json)
    throw new UsageError(
      `--json prints the report on stdout, where the events go too (${why}): add --events FILE${choice.dryRun ? '' : ' or set EVENT_BUS_NAME'}`,
    );
  return {
    sink: new NdjsonSink((text) => io.stdout(text)),
    destination: { kind: 'stdout' },
    notice: `events: NDJSON on stdout (${why})`,
  };
}

/** Appends each batch to `path` and flushes it to disk before returning. */
function fileAppender(path: string): (text: string) => void {
  return (text) => {
    let fd: number;
    try {
      fd = openSync(path, 'a');
    } catch (error) {
      throw new Error(`cannot write events to ${path}: ${(error as Error).message}`);
    }
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
}
