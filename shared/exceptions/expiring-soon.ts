/**
 * Which exceptions end soon (domain): the ones still in force whose `expiresAt` falls within the
 * notice period of the `expiring` reminder, so the dashboard's gauge, `dspm-bridge status` and
 * the reminder agree on what "soon" means.
 */
import type { FindingException } from '../events/contract.ts';
import { isActive } from './coverage.ts';
import { EXPIRING_NOTICE_DAYS } from './expiry.ts';

const DAY_MS = 24 * 3600_000;

/** The exceptions in force at `at` that end within `days` of it, soonest first. */
export function expiringWithin(
  exceptions: Iterable<FindingException>,
  at: Date,
  days: number = EXPIRING_NOTICE_DAYS,
): FindingException[] {
  const horizon = at.getTime() + days * DAY_MS;
  return [...exceptions]
    .filter((exception) => isActive(exception, at) && Date.parse(exception.expiresAt) <= horizon)
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.exceptionId.localeCompare(b.exceptionId));
}
