/**
 * The rate-budget item's conditions, the same in the state table (moto, through the real SDK) and
 * in memory (what the unit tests and in-process scenarios use): a claim of the whole budget holds
 * only while no demand is live and no other holder's lease is; an announcement always lands and
 * answers with the holder's lease.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { type BudgetItem, DynamoDbBudgetItem } from '#shared/budget/budget-item.ts';
import { MemoryBudgetItem } from '#shared/budget/memory-budget-item.ts';
import { createStateTable, motoClients, uniqueName } from '../../helpers/aws.ts';

const T0 = 1_800_000_000_000;

describe.each([
  ['the state table (moto)', 'dynamodb'],
  ['memory', 'memory'],
] as const)('the rate-budget item in %s', (_name, kind) => {
  let item: BudgetItem;

  beforeEach(async () => {
    if (kind === 'memory') {
      item = new MemoryBudgetItem();
      return;
    }
    const { dynamoDb } = motoClients(inject('motoEndpoint'));
    const tableName = uniqueName('budget-item');
    await createStateTable(dynamoDb, tableName);
    item = new DynamoDbBudgetItem({
      client: DynamoDBDocumentClient.from(dynamoDb),
      tableName,
      tenant: 'acme.goskope.com',
    });
  });

  it('lets a holder claim and renew the whole budget while nobody needs any of it', async () => {
    expect(await item.claimWhole('poller-1', T0, T0 + 500)).toEqual({ held: true });
    expect(await item.claimWhole('poller-1', T0 + 200, T0 + 700)).toEqual({ held: true });
    // The announcement answers with the lease a demander must wait out.
    expect(await item.announceDemand(T0 + 300 + 4_000)).toEqual({ leaseUntilMs: T0 + 700 });
  });

  it('refuses a claim while demand is live, naming until when, and grants it once the demand ran out', async () => {
    // Arrange
    await item.claimWhole('poller-1', T0, T0 + 500);
    await item.announceDemand(T0 + 4_100);
    // Act / Assert
    expect(await item.claimWhole('poller-1', T0 + 200, T0 + 700)).toEqual({
      held: false,
      busyUntilMs: T0 + 4_100,
    });
    expect(await item.claimWhole('poller-1', T0 + 4_101, T0 + 4_601)).toEqual({ held: true });
  });

  it('refuses another holder while the lease lasts, and lets it take a lapsed one', async () => {
    // Arrange
    await item.claimWhole('poller-1', T0, T0 + 500);
    // Act / Assert
    expect(await item.claimWhole('cli-1', T0 + 100, T0 + 600)).toEqual({
      held: false,
      busyUntilMs: T0 + 500,
    });
    expect(await item.claimWhole('cli-1', T0 + 501, T0 + 1_001)).toEqual({ held: true });
    expect(await item.announceDemand(T0 + 600)).toEqual({ leaseUntilMs: T0 + 1_001 });
  });

  it('answers an announcement with no lease as 0', async () => {
    expect(await item.announceDemand(T0 + 4_000)).toEqual({ leaseUntilMs: 0 });
  });
});
