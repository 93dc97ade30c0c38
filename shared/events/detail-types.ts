/**
 * The event contract's names, without its schemas (those are in contract.ts, which re-exports
 * these): what the Lambdas need at run time to label what they publish.
 */

/** The `Source` of every entry unless `EVENT_SOURCE` overrides it. */
export const DEFAULT_EVENT_SOURCE = 'netskope.dspm';

/** The detail types, as EventBridge's `DetailType`. */
export const DETAIL_TYPES = {
  riskChanged: 'data-store-risk-changed',
  discovered: 'data-store-discovered',
  removed: 'data-store-removed',
  protectionChanged: 'data-store-protection-changed',
  pollCompleted: 'dspm-poll-completed',
  findingOpened: 'data-store-finding-opened',
  findingUpdated: 'data-store-finding-updated',
  findingResolved: 'data-store-finding-resolved',
} as const;

/** The finding conditions, by their fixed ids. */
export const FINDING_CONDITIONS = [
  'high-risk',
  'public-access',
  'encryption-off',
  'backup-off',
  'unprotected',
] as const;

/** One finding condition. */
export type FindingCondition = (typeof FINDING_CONDITIONS)[number];

/** One of the detail types. */
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];
