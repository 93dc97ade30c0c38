/**
 * The bus events go to (created, or an existing one imported) and, for a created bus, an archive
 * so events can be replayed after a subscriber outage. Optionally a bus policy that lets the
 * organization's accounts, or a listed few, forward backup events to it (the backup forwarder).
 */
import { Duration } from 'aws-cdk-lib';
import { CfnEventBusPolicy, EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, AnyPrincipal, type IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Props of the bus. */
export interface BridgeBusProps {
  readonly name: string;
  readonly importArn?: string | undefined;
  readonly source: string;
  readonly archiveRetentionDays: number;
}

/** Who may forward backup events to the bus, and which events. */
export interface BackupSenders {
  /** Every account of this AWS organization (`aws:PrincipalOrgID`). */
  readonly organizationId?: string | undefined;
  /** These accounts. */
  readonly accounts: readonly string[];
  /** The sources they may send (`events:source`): AWS Backup's and the generic contract's. */
  readonly sources: readonly string[];
  /** The detail types they may send (`events:detail-type`). */
  readonly detailTypes: readonly string[];
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

  /**
   * Lets other accounts put backup events on the bus: one statement for the organization, one
   * for the listed accounts, each limited to the backup sources and detail types, so a member
   * account can never publish the bridge's own `netskope.dspm` events (which Slack and ServiceNow
   * act on). The forwarders' roles are the principals; EventBridge checks `aws:PrincipalOrgID`
   * against the role's account. Nothing is added when neither is configured: the bus then takes
   * events from its own account only (other regions of it need no bus policy).
   */
  admitBackupSenders(senders: BackupSenders): void {
    const grant = (id: string, principals: IPrincipal[], orgCondition?: Record<string, unknown>) =>
      new CfnEventBusPolicy(this, id, {
        eventBusName: this.bus.eventBusName,
        statementId: `dspm-bridge-${id}`,
        statement: new PolicyStatement({
          sid: `dspm-bridge-${id}`,
          principals,
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
          conditions: {
            ...orgCondition,
            // ForAllValues: every entry of a PutEvents call must carry one of these (AWS's example
            // for limiting a cross-account sender to its sources and detail types).
            'ForAllValues:StringEquals': {
              'events:source': [...senders.sources],
              'events:detail-type': [...senders.detailTypes],
            },
          },
        }).toStatementJson(),
      });
    if (senders.organizationId) {
      grant('BackupSendersOrganization', [new AnyPrincipal()], {
        StringEquals: { 'aws:PrincipalOrgID': senders.organizationId },
      });
    }
    if (senders.accounts.length > 0) {
      grant(
        'BackupSendersAccounts',
        senders.accounts.map((account) => new AccountPrincipal(account)),
      );
    }
  }
}
