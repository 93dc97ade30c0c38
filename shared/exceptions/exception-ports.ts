/** What the exceptions use cases (create, revoke) need. */
import type { EventSink } from '../events/sink.ts';
import type { ExceptionEventContext } from './exception-event.ts';
import type { ExceptionStore } from './exception-store.ts';

/** The ports of `createException` and `revokeException`. */
export interface ExceptionPorts {
  readonly store: ExceptionStore;
  /** Where `finding-exception-changed` goes (the bus, or NDJSON). */
  readonly sink: EventSink;
  readonly events: ExceptionEventContext;
  /**
   * The caller's verified AWS identity (STS GetCallerIdentity), recorded beside the name the
   * person gave; absent for local state, where there is nothing to verify against.
   */
  readonly verifiedIdentity?: (() => Promise<string | undefined>) | undefined;
  /** The id of a new exception (tests pin it); random otherwise. */
  readonly newId?: (() => string) | undefined;
}
