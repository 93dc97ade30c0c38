/**
 * Sample EventBridge rule patterns for the events the poller publishes. `docs/events.md` shows
 * them, the tests put real poller events through them on a (moto) bus, and the CDK stack deploys
 * the ones a customer turns on.
 */
import { DEFAULT_EVENT_SOURCE, DETAIL_TYPES, FINDING_DETAIL_TYPES } from './detail-types.ts';

/** Patterns by name, for the default source. */
export function sampleRulePatterns(source: string = DEFAULT_EVENT_SOURCE) {
  return {
    /** A store's risk is high or critical after a change. */
    highOrCriticalRisk: {
      source: [source],
      'detail-type': [DETAIL_TYPES.riskChanged],
      detail: { severity: ['high', 'critical'] },
    },
    /** Encryption was turned off. */
    encryptionTurnedOff: {
      source: [source],
      'detail-type': [DETAIL_TYPES.riskChanged],
      detail: { changedFields: ['encryption'], current: { encryption: ['Off'] } },
    },
    /** A store became publicly accessible (`publicly_inaccessible` went to Off). */
    becamePublic: {
      source: [source],
      'detail-type': [DETAIL_TYPES.riskChanged],
      detail: { changedFields: ['publicly_inaccessible'], current: { publicly_inaccessible: ['Off'] } },
    },
    /** Every event of the bridge (an audit trail, a debugging queue). */
    everything: { source: [source] },
  } as const;
}

/**
 * For subscribers that page people: every finding event whose finding is open, so nothing of a
 * finding an exception covers (opened already suppressed, updated or resolved while suppressed,
 * the suppression itself) wakes anyone, and the unsuppression (status open again) does. README and
 * docs/events.md print it; a test puts it on a moto rule.
 */
export function openFindingsPattern(source: string = DEFAULT_EVENT_SOURCE) {
  return {
    source: [source],
    'detail-type': [...FINDING_DETAIL_TYPES],
    detail: { status: ['open'] },
  };
}
