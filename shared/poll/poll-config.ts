/**
 * Settings of a poll that are not about reaching DSPM: what to watch, how to grade it, where
 * events say they come from.
 */
import { DEFAULT_EVENT_SOURCE } from '../events/detail-types.ts';
import { DEFAULT_FINDING_SETTINGS, type FindingSettings } from '../findings/severities.ts';
import type { MinimumDeltas } from '../risk/diff.ts';
import { DEFAULT_RISK_BANDS, type RiskBands } from '../risk/levels.ts';
import { DEFAULT_WATCHED_FIELDS, type WatchedField } from '../risk/watched-fields.ts';

/** How a poll behaves. */
export interface PollSettings {
  /** `Source` of every entry (`EVENT_SOURCE`). */
  readonly source: string;
  /** Marks events as test events (simulator, demo). */
  readonly test: boolean;
  readonly watchedFields: readonly WatchedField[];
  readonly minimumDeltas: MinimumDeltas;
  readonly bands: RiskBands;
  /** Finding severities and which conditions are on (`FINDING_SEVERITIES`). */
  readonly findings: FindingSettings;
  /** On a tenant's first poll, emit `data-store-discovered` for every store instead of a silent baseline. */
  readonly emitBaselineEvents: boolean;
  /**
   * How long the poll lease lasts without a renewal. A running poll renews it every third of this,
   * so it bounds how long a dead holder (killed, timed out) blocks the next poll.
   */
  readonly leaseTtlMs: number;
}

/** Defaults: every watchable field, default bands, no minimum deltas, a silent baseline. */
export const DEFAULT_POLL_SETTINGS = {
  source: DEFAULT_EVENT_SOURCE,
  test: false,
  watchedFields: DEFAULT_WATCHED_FIELDS,
  minimumDeltas: {},
  bands: DEFAULT_RISK_BANDS,
  findings: DEFAULT_FINDING_SETTINGS,
  emitBaselineEvents: false,
  leaseTtlMs: 60_000,
} as const satisfies PollSettings;
