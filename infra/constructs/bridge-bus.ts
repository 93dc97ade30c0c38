/**
 * The bus events go to (created, or an existing one imported) and, for a created bus, an archive
 * so events can be replayed after a subscriber outage.
 */
import { Duration } from 'aws-cdk-lib';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

/** Props of the bus. */
export interface BridgeBusProps {
  readonly name: string;
  readonly importArn?: string | undefined;
  readonly source: string;
  readonly archiveRetentionDays: number;
}

/** The bridge's event bus. */
export class BridgeBus extends Construct {
  readonly bus: IEventBus;

  constructor(scope: Construct, id: string, props: BridgeBusProps) {
    super(scope, id);
    if (props.importArn) {
      this.bus = EventBus.fromEventBusArn(this, 'Bus', props.importArn);
      return;
    }
    const bus = new EventBus(this, 'Bus', {
      eventBusName: props.name,
      description: 'Netskope One DSPM events from dspm-bridge',
    });
    bus.archive('Archive', {
      description: 'Every event the bridge published, for replay',
      eventPattern: { source: [props.source] },
      retention: Duration.days(props.archiveRetentionDays),
    });
    this.bus = bus;
  }
}
