/**
 * Typed builder for the DSPM `filter` query parameter: `<field> eq <value>` clauses joined with
 * `&&` (and) or `||` (or). The grammar has no parentheses and `&&` binds tighter than `||`, so the
 * types only allow an OR of ANDs (disjunctive normal form), which is exactly what renders
 * unambiguously. Strings are double-quoted, as Netskope's other v2 APIs write them.
 *
 * The guide writes `&&` raw inside a URL, where it would end the query parameter; the transport
 * percent-encodes the whole rendered value instead.
 */

/** A value a clause can compare with. */
export type FilterValue = string | number | boolean;

/** One `<field> eq <value>` clause. */
export interface EqClause {
  readonly kind: 'eq';
  readonly field: string;
  readonly value: FilterValue;
}

/** Clauses that must all hold. */
export interface AndFilter {
  readonly kind: 'and';
  readonly clauses: readonly EqClause[];
}

/** Terms of which at least one must hold. */
export interface OrFilter {
  readonly kind: 'or';
  readonly terms: readonly (EqClause | AndFilter)[];
}

/** Any filter the builder can make. */
export type Filter = EqClause | AndFilter | OrFilter;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * `<field> eq <value>`.
 * @throws TypeError when the field name is not a plain identifier or the number is not finite.
 */
export function eq(field: string, value: FilterValue): EqClause {
  if (!FIELD_NAME.test(field)) throw new TypeError(`filter field "${field}" is not a plain field name`);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`filter value for "${field}" must be a finite number, got ${value}`);
  }
  return { kind: 'eq', field, value };
}

/** All clauses must hold (`a && b`). */
export function and(...clauses: [EqClause, ...EqClause[]]): AndFilter {
  return { kind: 'and', clauses };
}

/** At least one term must hold (`a || b && c`). */
export function or(...terms: [EqClause | AndFilter, ...(EqClause | AndFilter)[]]): OrFilter {
  return { kind: 'or', terms };
}

/** The filter as the API reads it, e.g. `infrastructure_connection_id eq 2&&service_id eq 4`. */
export function renderFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'eq':
      return `${filter.field} eq ${renderValue(filter.value)}`;
    case 'and':
      return filter.clauses.map(renderFilter).join('&&');
    case 'or':
      return filter.terms.map(renderFilter).join('||');
  }
}

function renderValue(value: FilterValue): string {
  if (typeof value === 'string') return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  return String(value);
}
