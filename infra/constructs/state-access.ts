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
 * Nothing reads a stream (the table has none), scans, or deletes in bulk.
 */

import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** What one function may do to the table and to its indexes. */
export interface StateAccess {
  readonly table: readonly string[];
  readonly indexes: readonly string[];
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
  },
  tagger: {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    indexes: ['dynamodb:Query'],
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
  },
} as const satisfies Record<string, StateAccess>;

/** Grants `grantee` exactly `access` on `table` (and, when it queries them, its indexes). */
export function grantStateAccess(table: ITable, grantee: IGrantable, access: StateAccess): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...access.table], resources: [table.tableArn] }),
  );
  if (access.indexes.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...access.indexes], resources: [`${table.tableArn}/index/*`] }),
    );
  }
}
