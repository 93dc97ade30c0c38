/**
 * The backup reader: the role each member account deploys so the bridge's coverage sweep can ask
 * that account's AWS Backup which recovery points a data store has (`ListRecoveryPointsByResource`,
 * read-only, nothing else). The sweep assumes it by name in the store's own account
 * (`BACKUP_INVENTORY_ROLE`), so the name is fixed, and IAM being global, one instance per account
 * is enough: deploy it as a service-managed StackSet into the same OUs as the forwarder, in one
 * region only. Like the forwarder it needs no bootstrap, no assets and no lookups.
 */
import {
  BootstraplessSynthesizer,
  CfnOutput,
  CfnParameter,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { ArnPrincipal, PolicyDocument, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** The stack's name in the CDK app, and the parameter the StackSet passes. */
export const READER_STACK_ID = 'DspmBridgeBackupReader';
export const COVERAGE_ROLE_ARN_PARAMETER = 'CoverageRoleArn';

/** The role name when the configuration names none. */
export const DEFAULT_BACKUP_READER_ROLE = 'dspm-bridge-backup-read';

/**
 * Props of the reader. The StackProps defaults differ from a Stack's: `synthesizer` a
 * `BootstraplessSynthesizer` and `analyticsReporting` false, as for the forwarder.
 */
export interface BackupReaderStackProps extends StackProps {
  /**
   * The role's name, the same in every account (the bridge's `backupInventoryRoleName`).
   * @default 'dspm-bridge-backup-read'
   */
  readonly roleName?: string | undefined;
}

/** One read-only role, trusted by the bridge's coverage function only. */
export class BackupReaderStack extends Stack {
  readonly coverageRoleArn: CfnParameter;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: BackupReaderStackProps = {}) {
    super(scope, id, { synthesizer: new BootstraplessSynthesizer(), analyticsReporting: false, ...props });
    this.coverageRoleArn = new CfnParameter(this, COVERAGE_ROLE_ARN_PARAMETER, {
      type: 'String',
      description:
        "ARN of the bridge's coverage function role (the DspmBridge stack's CoverageRoleArn output)",
      allowedPattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$',
      constraintDescription: 'must be an IAM role ARN (the CoverageRoleArn output of DspmBridge)',
    });
    this.role = new Role(this, 'ReadRole', {
      roleName: props.roleName ?? DEFAULT_BACKUP_READER_ROLE,
      description: "Lets dspm-bridge's coverage sweep list this account's AWS Backup recovery points",
      assumedBy: new ArnPrincipal(this.coverageRoleArn.valueAsString),
      inlinePolicies: {
        RecoveryPoints: new PolicyDocument({
          statements: [
            new PolicyStatement({ actions: ['backup:ListRecoveryPointsByResource'], resources: ['*'] }),
          ],
        }),
      },
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'backup:ListRecoveryPointsByResource takes no resource-level permission; the role can only read recovery point metadata.',
    });
    new CfnOutput(this, 'ReadRoleArn', { value: this.role.roleArn });
  }
}
