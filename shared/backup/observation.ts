/**
 * What the tagger learns from one backup event, whatever system sent it: which resource, whether
 * it is protected now, why, and when that was observed.
 */
import { BridgeError } from '../errors.ts';
import type { Coverage, ProtectionReason } from '../state/protection-records.ts';

/** Where the event points: at least one of these is set. */
export interface BackupTarget {
  readonly resourceArn?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly dataStoreId?: number | undefined;
}

/** One backup event, normalised. */
export interface BackupObservation {
  /** The EventBridge event id (replays carry the same id). */
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  /** The backup system (`aws-backup`, or the generic contract's `system`). */
  readonly system: string;
  readonly observedAt: Date;
  readonly target: BackupTarget;
  readonly protected: boolean;
  readonly reason: ProtectionReason;
  /** When a backup succeeded, if this event reports one (or the inventory's newest recovery point). */
  readonly successAt?: Date | undefined;
  /**
   * The coverage this sets (the sweep's verdicts); without it, `protected` and `reason` imply it.
   * An `unknown` or `excluded` coverage never adds the tag (`protected` is true for them).
   */
  readonly coverage?: Coverage | undefined;
}

/** The outcome of reading an event. */
export type NormalizedEvent =
  | { readonly kind: 'observation'; readonly observation: BackupObservation }
  /** A well-formed event that says nothing about protection (a RUNNING job, a plan change). */
  | { readonly kind: 'ignored'; readonly eventId: string; readonly why: string };

/** A backup event that cannot be used; the message names the field and what was expected. */
export class BackupEventError extends BridgeError {
  /** Bad input: the same event can never succeed, so it goes to the dead-letter queue. */
  readonly retryable = false;
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}
