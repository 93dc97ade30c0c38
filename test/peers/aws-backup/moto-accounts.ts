/**
 * Which account an access key belongs to, asked of moto's STS: the AWS Backup peer uses it to
 * check that a call about a resource comes from that resource's account (an assumed role there).
 * moto does not verify signatures, so the key id alone is enough to ask with.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { MOTO_AWS } from '../../helpers/moto.ts';

/** `accountOf` for the peer, answered by moto's STS at `endpoint`. */
export function motoAccountOf(endpoint: string): (accessKeyId: string) => Promise<string | undefined> {
  const known = new Map<string, Promise<string | undefined>>();
  return (accessKeyId) => {
    let account = known.get(accessKeyId);
    if (!account) {
      const sts = new STSClient({
        region: MOTO_AWS.region,
        endpoint,
        credentials: { accessKeyId, secretAccessKey: 'not-checked-by-moto' },
      });
      account = sts.send(new GetCallerIdentityCommand({})).then(
        (identity) => identity.Account,
        () => undefined,
      );
      known.set(accessKeyId, account);
    }
    return account;
  };
}
