/**
 * The fields of a connected data store whose changes the poller reports, and how each one is
 * read: scores and counts are numbers (`-1` means "not computed"), toggles are `On`/`Off`, and
 * `data_tags` is a set of tag ids.
 */

/** How a watched field is compared. */
export type FieldKind = 'score' | 'count' | 'toggle' | 'tags';

/** Every field the poller knows how to watch, with its kind. Names are the DSPM API's. */
export const WATCHABLE_FIELDS = {
  data_store_risk_rating: 'score',
  data_store_sensitivity_score: 'score',
  data_store_sensitive_data_access_risk_score: 'score',
  misconfiguration_risk_score: 'score',
  over_privileged_risk_score: 'score',
  encryption: 'toggle',
  backup: 'toggle',
  publicly_inaccessible: 'toggle',
  sensitive_field_count: 'count',
  sensitive_record_count: 'count',
  users_with_access_to_sensitive_data_count: 'count',
  stale_user_count: 'count',
  total_alert_count: 'count',
  data_tags: 'tags',
} as const satisfies Record<string, FieldKind>;

/** A field the poller can watch. */
export type WatchedField = keyof typeof WATCHABLE_FIELDS;

/** The default: every watchable field. */
export const DEFAULT_WATCHED_FIELDS: readonly WatchedField[] = Object.keys(
  WATCHABLE_FIELDS,
) as WatchedField[];

/**
 * For toggles, the value that is the safe one: a move away from it is a risk increase.
 * `publicly_inaccessible: On` is safe, so `On -> Off` (the store became public) is an increase.
 */
export const SAFE_TOGGLE_VALUE = 'On';

/** True when `name` is a field the poller can watch. */
export function isWatchableField(name: string): name is WatchedField {
  return Object.hasOwn(WATCHABLE_FIELDS, name);
}
