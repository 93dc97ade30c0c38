import { describe, expect, it } from 'vitest';
import { genericBackupDetailSchema } from '#shared/backup/schemas.ts';

describe('zod/mini in the Lambda code', () => {
  it('reads its issues in English, as zod does (zod/mini ships no messages of its own)', () => {
    // Act
    const result = genericBackupDetailSchema.safeParse({
      dataStoreId: 7,
      protected: true,
      reason: 'NOT_ENROLLED',
      system: '',
    });
    // Assert
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'Too small: expected string to have >=1 characters',
    ]);
  });
});
