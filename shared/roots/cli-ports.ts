/**
 * The CLI's choice of write ports: on `--dry-run` the commands read the real state and exceptions
 * but write through wrappers that record nothing, and look DSPM's tag up without writing it. A dry
 * run is this choice of adapters, made at the root, never a flag inside a use case.
 */
import { dryRunTagWriter } from '../backup/store-tags.ts';
import { DryRunExceptionStore } from '../exceptions/dry-run-exceptions.ts';
import type { ExceptionStore } from '../exceptions/exception-store.ts';
import { DryRunStateStore } from '../state/dry-run-store.ts';
import type { StateStore } from '../state/state-store.ts';
import { liveProtectionWrites, type ProtectionWrites, type TaggerRuntime } from './tagger-runtime.ts';

/** The stores a command writes through. */
export interface CliStores {
  readonly state: StateStore;
  readonly exceptions: ExceptionStore;
}

/** The runtime's stores, or on a dry run wrappers that read them and write nothing. */
export function cliStores(runtime: CliStores, dryRun: boolean): CliStores {
  if (!dryRun) return { state: runtime.state, exceptions: runtime.exceptions };
  return {
    state: new DryRunStateStore(runtime.state),
    exceptions: new DryRunExceptionStore(runtime.exceptions),
  };
}

/** The tagger's writes for a CLI command: live, or on a dry run the stores above and a tag lookup. */
export function cliProtectionWrites(runtime: TaggerRuntime, dryRun: boolean): ProtectionWrites {
  if (!dryRun) return liveProtectionWrites(runtime);
  return { ...cliStores(runtime, true), tagWriter: dryRunTagWriter };
}
