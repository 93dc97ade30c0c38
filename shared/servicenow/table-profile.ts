/**
 * What differs between the tables a finding can live in: their states, how a record is resolved
 * or closed, the close codes of a plain instance, and which states mean a person decided.
 *
 * ITSM `incident`: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled. The bridge
 * resolves (6) with `close_code` and `close_notes`; ServiceNow closes resolved incidents itself
 * later.
 *
 * Security Incident Response `sn_si_incident`: 10 Draft, 16 Analysis, 18 Contain, 19 Eradicate,
 * 20 Recover, 100 Review, 3 Closed, 7 Cancelled. SIR closes a security incident from Review (its
 * process definition and the "Close security incidents" task), with a close code and close
 * notes, so the bridge moves an open record to Review and then to Closed: two PATCHes, each safe to
 * repeat, since the record's state is read before every write. SIR's own `severity` (1 High,
 * 2 Medium, 3 Low) is written beside the task's impact and urgency.
 *
 * Any other table (a custom extension of `task`) is treated as `incident`.
 */

/** Severity of a finding. */
export type FindingSeverity = 'low' | 'medium' | 'high' | 'critical';

/** One table's rules, as the bridge writes and reads it. */
export interface TableProfile {
  readonly table: string;
  /** States nobody works a record in any more: the bridge never writes to a record in one. */
  readonly finishedStates: ReadonlySet<string>;
  /** States in which a person's close code is read back as a decision (the sync). */
  readonly decisionStates: readonly string[];
  /** The default `close_code` when the condition clears. */
  readonly clearedCloseCode: string;
  /** The default `close_code` when an exception covers the finding. */
  readonly suppressedCloseCode: string;
  /** Fields that carry a finding's severity. */
  severityFields(severity: FindingSeverity): Record<string, string>;
  /**
   * The writes that finish a record now in `state`, with `close` (close_code, close_notes and a
   * work note) on the last; one write where the table allows it.
   */
  finishWrites(state: string, close: Readonly<Record<string, string>>): Record<string, string>[];
}

/** Impact and urgency per severity; ServiceNow derives `priority` from the two (never written). */
const IMPACT_URGENCY = {
  critical: { impact: '1', urgency: '1' },
  high: { impact: '1', urgency: '2' },
  medium: { impact: '2', urgency: '2' },
  low: { impact: '2', urgency: '3' },
} as const satisfies Record<FindingSeverity, { impact: string; urgency: string }>;

/** Incident states of a plain ITSM instance. */
export const INCIDENT_STATE = {
  new: '1',
  inProgress: '2',
  onHold: '3',
  resolved: '6',
  closed: '7',
  canceled: '8',
} as const;

/** Security incident states (`sn_si_incident.state`). */
export const SECURITY_INCIDENT_STATE = {
  draft: '10',
  analysis: '16',
  contain: '18',
  eradicate: '19',
  recover: '20',
  review: '100',
  closed: '3',
  cancelled: '7',
} as const;

const SIR_SEVERITY = { critical: '1', high: '1', medium: '2', low: '3' } as const;

/** ITSM incident (and any table the bridge has no profile for). */
export const INCIDENT_PROFILE: TableProfile = {
  table: 'incident',
  finishedStates: new Set([INCIDENT_STATE.resolved, INCIDENT_STATE.closed, INCIDENT_STATE.canceled]),
  decisionStates: [INCIDENT_STATE.resolved, INCIDENT_STATE.closed],
  clearedCloseCode: 'Solution provided',
  suppressedCloseCode: 'No resolution provided',
  severityFields: (severity) => ({ ...IMPACT_URGENCY[severity] }),
  finishWrites: (_state, close) => [{ state: INCIDENT_STATE.resolved, ...close }],
};

/** Security Incident Response. */
export const SECURITY_INCIDENT_PROFILE: TableProfile = {
  table: 'sn_si_incident',
  finishedStates: new Set([SECURITY_INCIDENT_STATE.closed, SECURITY_INCIDENT_STATE.cancelled]),
  decisionStates: [SECURITY_INCIDENT_STATE.closed],
  clearedCloseCode: 'Threat mitigated',
  suppressedCloseCode: 'Not resolved',
  severityFields: (severity) => ({ ...IMPACT_URGENCY[severity], severity: SIR_SEVERITY[severity] }),
  finishWrites: (state, close) => [
    ...(state === SECURITY_INCIDENT_STATE.review ? [] : [{ state: SECURITY_INCIDENT_STATE.review }]),
    { state: SECURITY_INCIDENT_STATE.closed, ...close },
  ],
};

/** The profile of `table`. */
export function profileFor(table: string): TableProfile {
  if (table === SECURITY_INCIDENT_PROFILE.table) return SECURITY_INCIDENT_PROFILE;
  return table === INCIDENT_PROFILE.table ? INCIDENT_PROFILE : { ...INCIDENT_PROFILE, table };
}
