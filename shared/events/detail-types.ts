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
  findingSuppressed: 'data-store-finding-suppressed',
  findingUnsuppressed: 'data-store-finding-unsuppressed',
  exceptionChanged: 'finding-exception-changed',
} as const;

/**
 * Every detail type of a finding's lifecycle, in one list: what a finding follower (ServiceNow,
 * Slack, Security Hub) subscribes to and reads with the one finding schema.
 */
export const FINDING_DETAIL_TYPES = [
  DETAIL_TYPES.findingOpened,
  DETAIL_TYPES.findingUpdated,
  DETAIL_TYPES.findingResolved,
  DETAIL_TYPES.findingSuppressed,
  DETAIL_TYPES.findingUnsuppressed,
] as const;

/** One detail type of a finding's lifecycle. */
export type FindingDetailType = (typeof FINDING_DETAIL_TYPES)[number];

/** What happened to a finding, as its detail type says it. */
export type FindingTransition = 'opened' | 'updated' | 'resolved' | 'suppressed' | 'unsuppressed';

/** The detail type of each transition; {@link FINDING_DETAIL_TYPES} is the same five. */
export const FINDING_DETAIL_TYPE_OF = {
  opened: DETAIL_TYPES.findingOpened,
  updated: DETAIL_TYPES.findingUpdated,
  resolved: DETAIL_TYPES.findingResolved,
  suppressed: DETAIL_TYPES.findingSuppressed,
  unsuppressed: DETAIL_TYPES.findingUnsuppressed,
} as const satisfies Record<FindingTransition, FindingDetailType>;

const TRANSITION_OF = Object.fromEntries(
  Object.entries(FINDING_DETAIL_TYPE_OF).map(([transition, detailType]) => [detailType, transition]),
) as Record<FindingDetailType, FindingTransition>;

/** The transition a finding detail type reports (`data-store-finding-opened` -> `opened`). */
export function findingTransitionOf(detailType: FindingDetailType): FindingTransition {
  return TRANSITION_OF[detailType];
}

/** The finding conditions, by their fixed ids. */
export const FINDING_CONDITIONS = [
  'high-risk',
  'public-access',
  'encryption-off',
  'backup-off',
  'unprotected',
] as const;

/** Why a person decided a finding needs no action for now. */
export const EXCEPTION_REASONS = ['risk-accepted', 'false-positive', 'compensating-control'] as const;

/** Where an exception came from. */
export const EXCEPTION_SOURCES = ['cli', 'servicenow', 'api'] as const;

/** What happened to an exception, as `finding-exception-changed` reports it. */
export const EXCEPTION_ACTIONS = ['created', 'revoked', 'expired', 'expiring'] as const;

/** One finding condition. */
export type FindingCondition = (typeof FINDING_CONDITIONS)[number];

/** One of the detail types. */
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];
