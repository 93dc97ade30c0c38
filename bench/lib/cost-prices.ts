/**
 * AWS's published on-demand prices the cost model uses: US East (N. Virginia), as listed on the
 * AWS pricing pages for Lambda, DynamoDB, Step Functions and EventBridge, read 2026-12-07. Free
 * tiers are left out (a stack shares them with everything else in the account).
 */
export const PRICES = {
  region: 'us-east-1',
  readOn: '2026-12-07',
  /** Lambda, Arm: per GB-second of duration, and per request. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1_000_000,
  /** DynamoDB on demand (Standard table class): per read request unit (4 KB strongly consistent), per write request unit (1 KB). */
  dynamoDbReadUnit: 0.125 / 1_000_000,
  dynamoDbWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB storage per GB-month, and continuous backups (point-in-time recovery) per GB-month. */
  dynamoDbStorageGbMonth: 0.25,
  dynamoDbPitrGbMonth: 0.2,
  /** Step Functions Standard: per state transition. */
  stepFunctionsTransition: 0.025 / 1_000,
  /** EventBridge: per custom event put (an entry of up to 64 KB). */
  eventBridgeEntry: 1 / 1_000_000,
} as const;
