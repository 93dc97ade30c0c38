/**
 * Who is calling AWS, as AWS says (STS GetCallerIdentity): recorded in the exception audit beside
 * the name a person typed, so the trail does not rest on a claim. Needs no permission.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/** The caller's ARN, asked once per process. */
export function callerIdentity(client: STSClient = new STSClient({})): () => Promise<string> {
  let asked: Promise<string> | undefined;
  return () => {
    asked ??= client.send(new GetCallerIdentityCommand({})).then((answer) => {
      if (!answer.Arn) throw new Error('STS GetCallerIdentity returned no Arn');
      return answer.Arn;
    });
    return asked;
  };
}
