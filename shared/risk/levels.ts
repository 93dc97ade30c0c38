/**
 * Risk levels from `data_store_risk_rating`, in configurable bands. Default: unknown for null,
 * low under 25, medium under 50, high under 75, critical otherwise.
 */

/** A risk level, lowest to highest (`unknown` sits apart). */
export type RiskLevel = 'unknown' | 'low' | 'medium' | 'high' | 'critical';

/** Upper bounds (exclusive) of low, medium and high; critical is everything above. */
export interface RiskBands {
  readonly low: number;
  readonly medium: number;
  readonly high: number;
}

/** The default bands. */
export const DEFAULT_RISK_BANDS = { low: 25, medium: 50, high: 75 } as const satisfies RiskBands;

/** The level of a rating (`null` when DSPM has not computed it). */
export function riskLevel(rating: number | null, bands: RiskBands = DEFAULT_RISK_BANDS): RiskLevel {
  if (rating === null) return 'unknown';
  if (rating < bands.low) return 'low';
  if (rating < bands.medium) return 'medium';
  if (rating < bands.high) return 'high';
  return 'critical';
}

/**
 * Checks bands are increasing.
 * @throws RangeError naming the bands when they are not.
 */
export function checkBands(bands: RiskBands): RiskBands {
  const { low, medium, high } = bands;
  if (![low, medium, high].every(Number.isFinite) || !(low < medium && medium < high)) {
    throw new RangeError(`risk bands must increase (low < medium < high), got ${low}, ${medium}, ${high}`);
  }
  return bands;
}
