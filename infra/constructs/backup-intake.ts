/**
 * Backup events into the tagger: rules for AWS Backup's events (on the default bus, where AWS
 * publishes them for this account and region, and on the bridge's bus, where the backup forwarder
 * of other accounts and regions puts them) and for the generic contract from the accepted sources
 * (on the bridge's bus, wherever they were published),
 * into an SQS FIFO queue with content-based deduplication, read by the tagger with partial batch
 * responses. Messages that keep failing, and events the tagger cannot use, land in the FIFO
 * dead-letter queue.
 *
 * EventBridge's SQS target takes a fixed message group id, so each rule has its own group; the
 * tagger's per-store lock and its stale and replay checks keep any interleaving correct.
 */
import type { Duration } from 'aws-cdk-lib';
import { EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AWS_BACKUP, GENERIC_DETAIL_TYPE } from '#shared/backup/schemas.ts';
import { TAGGER_MAX_CONCURRENCY } from '#shared/budget/static-split.ts';
import { fifoQueueWithDeadLetters } from './fifo-queues.ts';

/** AWS Backup's detail types the tagger understands: the intake's rules and the forwarder's match these. */
export const TAGGER_AWS_BACKUP_DETAIL_TYPES = [
  AWS_BACKUP.jobStateChange,
  AWS_BACKUP.recoveryPointStateChange,
] as const;

/** Props of the intake. */
export interface BackupIntakeProps {
  readonly bus: IEventBus;
  readonly acceptedSources: readonly string[];
  /** Long enough for the tagger to finish a batch (six times its timeout, as AWS advises). */
  readonly visibilityTimeout: Duration;
}

/** The tagger's queue and the rules that fill it. */
export class BackupIntake extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly awsBackupRule: Rule;
  /** AWS Backup's events forwarded from other accounts and regions; none when the bridge's bus is the default bus. */
  readonly forwardedAwsBackupRule: Rule | undefined;
  readonly genericRule: Rule | undefined;

  constructor(scope: Construct, id: string, props: BackupIntakeProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = fifoQueueWithDeadLetters(this, {
      visibilityTimeout: props.visibilityTimeout,
      maxReceiveCount: 5,
    }));
    const awsBackupPattern = {
      source: [AWS_BACKUP.source],
      detailType: [...TAGGER_AWS_BACKUP_DETAIL_TYPES],
    };
    this.awsBackupRule = new Rule(this, 'AwsBackupEvents', {
      description: 'AWS Backup job and recovery point events, for the Unprotected tag',
      eventBus: EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      eventPattern: awsBackupPattern,
      targets: [new SqsQueue(this.queue, { messageGroupId: 'aws-backup' })],
    });
    // Forwarded events keep the account and region they happened in; the forwarder sends none
    // from this account and region (the rule above has those), so the two rules never overlap.
    this.forwardedAwsBackupRule =
      props.bus.eventBusName === 'default'
        ? undefined
        : new Rule(this, 'ForwardedAwsBackupEvents', {
            description:
              'AWS Backup events forwarded from other accounts and regions, for the Unprotected tag',
            eventBus: props.bus,
            eventPattern: awsBackupPattern,
            targets: [new SqsQueue(this.queue, { messageGroupId: 'aws-backup-forwarded' })],
          });
    this.genericRule =
      props.acceptedSources.length > 0
        ? new Rule(this, 'GenericBackupEvents', {
            description: 'backup-protection-changed events from other backup systems',
            eventBus: props.bus,
            eventPattern: { source: [...props.acceptedSources], detailType: [GENERIC_DETAIL_TYPE] },
            targets: [new SqsQueue(this.queue, { messageGroupId: 'generic' })],
          })
        : undefined;
  }

  /** Feeds the queue to `tagger` in batches with partial batch responses. */
  connect(tagger: IFunction): void {
    tagger.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // The tagger's share of the DSPM rate budget is divided among at most this many batches.
        maxConcurrency: TAGGER_MAX_CONCURRENCY,
      }),
    );
  }
}
