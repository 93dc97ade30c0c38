/**
 * The namespace of every metric the bridge emits: read by the functions (Powertools Metrics) and
 * by the alarms of the construct. Its own module, so the construct library does not load
 * Powertools and the X-Ray SDK to learn one string.
 */
export const METRICS_NAMESPACE = 'DspmBridge';
