/**
 * AWS SDK v3 clients, made once per process. Region, credentials and `AWS_ENDPOINT_URL` come
 * from the environment as the SDK reads them (that is how tests reach moto). When a tracer is
 * given, every client is instrumented for X-Ray.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Something that can instrument a client (Powertools' `Tracer`). */
export interface ClientTracer {
  captureAWSv3Client<T>(client: T): T;
}

/** The clients the bridge uses. */
export interface AwsClients {
  readonly eventBridge: EventBridgeClient;
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly secretsManager: SecretsManagerClient;
  readonly sqs: SQSClient;
}

/** Makes the clients (lazily: a dry run that never touches AWS makes none). */
export function createAwsClients(tracer?: ClientTracer): AwsClients {
  const capture = <T>(client: T): T => (tracer ? tracer.captureAWSv3Client(client) : client);
  let eventBridge: EventBridgeClient | undefined;
  let dynamoDb: DynamoDBDocumentClient | undefined;
  let secretsManager: SecretsManagerClient | undefined;
  let sqs: SQSClient | undefined;
  return {
    get eventBridge() {
      eventBridge ??= capture(new EventBridgeClient({}));
      return eventBridge;
    },
    get dynamoDb() {
      dynamoDb ??= DynamoDBDocumentClient.from(capture(new DynamoDBClient({})), {
        marshallOptions: { removeUndefinedValues: true },
      });
      return dynamoDb;
    },
    get secretsManager() {
      secretsManager ??= capture(new SecretsManagerClient({}));
      return secretsManager;
    },
    get sqs() {
      // SQS follows queue URLs unless given an endpoint; honour AWS_ENDPOINT_URL explicitly.
      const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
      sqs ??= capture(new SQSClient(endpoint ? { endpoint } : {}));
      return sqs;
    },
  };
}
