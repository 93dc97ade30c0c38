/**
 * Which DynamoDB actions each function's code sends to the state table, and on what: the table
 * itself, or its indexes. Read off `shared/state/dynamodb-store.ts` and the use cases that call it
 * (a method's command in brackets):
 *
 * - poller: lease (Put, Delete, and Update to renew it), `loadMeta` (Get), `loadStores` (Query),
 *   `loadStoresById` and the fingerprint index's buckets (BatchGet), `commitStores` (Put, and
 *   BatchWrite for a baseline), `saveMeta` (Put). It never looks stores up by index.
 * - tagger: `resolveStore` through the `byEndpoint` / `byResource` indexes (Query), the store lock
 *   (Put, Delete), `getProtection` / `getTagRef` (Get), `putProtection` (Put), `putTagRef` (Update).
 * - coverage sweep: `loadStores` / `listProtections` (Query), then what the tagger does per store,
 *   except the index lookups (the sweep names every store by id).
 *
 * - all three write the tenant's rate-budget item (Update on `budget#rate`: the poller claims the
 *   whole-budget lease, the tagger and the sweep announce demand; shared/budget/budget-item.ts),
 *   within the UpdateItem each already has.
 * - all three read the tenant's exceptions (Query on `exception#`); only the poller writes audit
 *   entries (PutItem on the audit table, which nobody may update or delete in).
 *
 * Nothing reads a stream (the table has none), scans, or deletes in bulk.
 */

import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** What one function may do to the table, to its indexes, and to the exception audit table. */
export interface StateAccess {
  readonly table: readonly string[];
  readonly indexes: readonly string[];
  /**
   * The audit table: at most PutItem (each entry once, conditionally) and Query. Never UpdateItem,
   * DeleteItem or BatchWriteItem: an entry, once written, stays as it was.
   */
  readonly audit: readonly ('dynamodb:PutItem' | 'dynamodb:Query')[];
}

/** Each function's actions, by the name the stack gives the function. */
export const STATE_ACCESS = {
  poller: {
    table: [
      'dynamodb:BatchGetItem',
      'dynamodb:UpdateItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ],
    indexes: [],
    // The poll writes the bridge's own entries (expired, expiring) and reads which are written.
    audit: ['dynamodb:PutItem', 'dynamodb:Query'],
  },
  tagger: {
    // Query: the tenant's exceptions, applied to the `unprotected` finding.
    table: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
    indexes: ['dynamodb:Query'],
    audit: [],
  },
  coverage: {
    table: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
    indexes: [],
    audit: [],
  },
} as const satisfies Record<string, StateAccess>;

/**
 * Grants `grantee` exactly `access` on `table` (and, when it queries them, its indexes), and its
 * audit actions on `auditTable`.
 */
export function grantStateAccess(
  table: ITable,
  grantee: IGrantable,
  access: StateAccess,
  auditTable?: ITable,
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...access.table], resources: [table.tableArn] }),
  );
  if (access.indexes.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...access.indexes], resources: [`${table.tableArn}/index/*`] }),
    );
  }
  if (auditTable && access.audit.length > 0)
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...access.audit], resources: [auditTable.tableArn] }),
    );
}
