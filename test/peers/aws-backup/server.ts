/**
 * A peer for the one AWS Backup call the coverage sweep makes, `ListRecoveryPointsByResource`,
 * speaking AWS Backup's REST-JSON protocol on loopback (moto has no recovery-point or job APIs).
 *
 * It is an independent reading of AWS's API reference ("ListRecoveryPointsByResource", AWS Backup
 * Developer Guide, and the common errors), written without looking at the bridge's adapter, so a
 * misreading on either side fails a test instead of being mirrored. Where the reference is silent
 * the peer is strict:
 * - `GET /resources/{resourceArn}/recovery-points/` with `maxResults` (1 to 1,000), `nextToken`
 *   and `managedByAWSBackupOnly`; anything else is `UnknownOperationException`.
 * - The list has no documented order, so the peer returns it oldest-ARN-first, not newest first;
 *   pages may be shorter than `maxResults` (`pageCap`), and the last page has no `NextToken`.
 * - A `nextToken` the peer did not issue for this resource is `InvalidParameterValueException`.
 * - A resource the region's AWS Backup holds nothing about is `ResourceNotFoundException`.
 * - Requests are signed with SigV4: the credential scope names the region and service; the caller's
 *   account comes from its access key (`accountOf`), and a resource of another account is
 *   `AccessDeniedException`. Signatures themselves are not verified (no secret is shared).
 * - Faults: throttling, denial per account, and outages, each for a number of requests.
 * Errors carry `x-amzn-ErrorType` and a JSON body `{"Code","Message"}`, as AWS Backup's errors do.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recovery point, as the peer stores it. */
export interface PeerRecoveryPoint {
  readonly recoveryPointArn: string;
  readonly creationDate: Date;
  /** `COMPLETED`, `PARTIAL`, `DELETING`, `EXPIRED`, `AVAILABLE`, `STOPPED`, `CREATING`. */
  readonly status: string;
  readonly backupVaultName?: string;
  /** False for points another service made (RDS automated snapshots). */
  readonly managedByAwsBackup?: boolean;
}

/** A resource AWS Backup holds recovery points for, in one account and region. */
export interface PeerResource {
  readonly resourceArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly recoveryPoints: readonly PeerRecoveryPoint[];
}

/** A fault for the next `count` matching requests. */
export type PeerFault =
  | { readonly kind: 'throttle'; readonly count: number }
  | { readonly kind: 'deny'; readonly accountId: string; readonly count: number }
  | { readonly kind: 'unavailable'; readonly count: number };

/** A request the peer received. */
export interface PeerRequest {
  readonly method: string;
  readonly path: string;
  readonly resourceArn: string | undefined;
  readonly region: string | undefined;
  readonly accountId: string | undefined;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
}

/** Options of the peer. */
export interface AwsBackupPeerOptions {
  /** The caller's account from its access key id; undefined answers `UnrecognizedClientException`. */
  readonly accountOf: (accessKeyId: string) => Promise<string | undefined> | string | undefined;
  /** Most points per page whatever `maxResults` asks (default 5): clients must follow `NextToken`. */
  readonly pageCap?: number;
}

/** A running peer. */
export interface AwsBackupPeer {
  readonly url: string;
  readonly requests: PeerRequest[];
  addResource(resource: PeerResource): void;
  addFault(fault: PeerFault): void;
  reset(): void;
  close(): Promise<void>;
}

class PeerError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Starts the peer on a free loopback port. */
export async function startAwsBackupPeer(options: AwsBackupPeerOptions): Promise<AwsBackupPeer> {
  const pageCap = options.pageCap ?? 5;
  const resources = new Map<string, PeerResource>();
  const faults: Array<{ fault: PeerFault; left: number }> = [];
  const tokens = new Map<string, { key: string; offset: number }>();
  const requests: PeerRequest[] = [];
  let tokenCounter = 0;
  const keyOf = (accountId: string, region: string, arn: string) => `${accountId}\n${region}\n${arn}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const log = { method: req.method ?? '', path: url.pathname, query } as {
      -readonly [K in keyof PeerRequest]: PeerRequest[K];
    };
    log.resourceArn = undefined;
    log.region = undefined;
    log.accountId = undefined;
    try {
      const match = /^\/resources\/([^/]+)\/recovery-points\/?$/.exec(url.pathname);
      if (req.method !== 'GET' || !match?.[1])
        throw new PeerError(
          404,
          'UnknownOperationException',
          `no operation at ${req.method} ${url.pathname}`,
        );
      const resourceArn = decodeURIComponent(match[1]);
      log.resourceArn = resourceArn;

      const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
        req.headers.authorization ?? '',
      );
      if (!scope) throw new PeerError(403, 'MissingAuthenticationTokenException', 'request is not signed');
      const [, accessKeyId = '', region = '', service = ''] = scope;
      if (service !== 'backup')
        throw new PeerError(403, 'InvalidSignatureException', `credential scope names service ${service}`);
      log.region = region;
      const accountId = await options.accountOf(accessKeyId);
      if (!accountId)
        throw new PeerError(
          403,
          'UnrecognizedClientException',
          'the security token included in the request is invalid',
        );
      log.accountId = accountId;

      for (const entry of faults) {
        if (entry.left <= 0) continue;
        const { fault } = entry;
        if (fault.kind === 'deny' && fault.accountId !== accountId) continue;
        entry.left--;
        if (fault.kind === 'throttle') throw new PeerError(400, 'ThrottlingException', 'Rate exceeded');
        if (fault.kind === 'deny')
          throw new PeerError(
            400,
            'AccessDeniedException',
            `User is not authorized to perform: backup:ListRecoveryPointsByResource`,
          );
        throw new PeerError(
          500,
          'ServiceUnavailableException',
          'The request failed due to a temporary failure',
        );
      }

      if (!resourceArn.startsWith('arn:'))
        throw new PeerError(
          400,
          'InvalidParameterValueException',
          `resourceArn is not an ARN: ${resourceArn.slice(0, 100)}`,
        );
      const arnAccount = resourceArn.split(':')[4];
      if (arnAccount && arnAccount !== accountId)
        throw new PeerError(
          400,
          'AccessDeniedException',
          `account ${accountId} is not authorized to list recovery points of a resource in ${arnAccount}`,
        );
      let maxResults = 1000;
      if (query.maxResults !== undefined) {
        maxResults = Number(query.maxResults);
        if (!/^\d+$/.test(query.maxResults) || maxResults < 1 || maxResults > 1000)
          throw new PeerError(400, 'InvalidParameterValueException', 'maxResults must be between 1 and 1000');
      }
      const managedOnly = query.managedByAWSBackupOnly;
      if (managedOnly !== undefined && managedOnly !== 'true' && managedOnly !== 'false')
        throw new PeerError(
          400,
          'InvalidParameterValueException',
          'managedByAWSBackupOnly must be a boolean',
        );

      const key = keyOf(accountId, region, resourceArn);
      const resource = resources.get(key);
      if (!resource)
        throw new PeerError(400, 'ResourceNotFoundException', `Resource ${resourceArn} not found`);
      let offset = 0;
      if (query.nextToken !== undefined) {
        const token = tokens.get(query.nextToken);
        if (!token || token.key !== key)
          throw new PeerError(
            400,
            'InvalidParameterValueException',
            'nextToken is not valid for this request',
          );
        offset = token.offset;
      }
      const points = [...resource.recoveryPoints]
        .filter((p) => managedOnly !== 'true' || p.managedByAwsBackup !== false)
        .sort((a, b) => (a.recoveryPointArn < b.recoveryPointArn ? -1 : 1));
      const size = Math.min(maxResults, pageCap);
      const page = points.slice(offset, offset + size);
      const body: Record<string, unknown> = {
        RecoveryPoints: page.map((p) => ({
          RecoveryPointArn: p.recoveryPointArn,
          // REST-JSON timestamps are epoch seconds.
          CreationDate: p.creationDate.getTime() / 1000,
          Status: p.status,
          BackupVaultName: p.backupVaultName ?? 'Default',
          BackupSizeBytes: 1024,
          IsParent: false,
          ResourceName: resourceArn.split(/[:/]/).at(-1),
          VaultType: 'BACKUP_VAULT',
        })),
      };
      if (offset + size < points.length) {
        const token = `token-${++tokenCounter}-${Math.random().toString(36).slice(2)}`;
        tokens.set(token, { key, offset: offset + size });
        body.NextToken = token;
      }
      log.status = 200;
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': `peer-${requests.length}`,
      });
      res.end(JSON.stringify(body));
    } catch (error) {
      const failure =
        error instanceof PeerError ? error : new PeerError(500, 'ServiceUnavailableException', String(error));
      log.status = failure.status;
      res.writeHead(failure.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': failure.code,
        'x-amzn-requestid': `peer-${requests.length}`,
      });
      res.end(JSON.stringify({ Code: failure.code, Message: failure.message }));
    } finally {
      requests.push(log);
    }
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addResource: (resource) =>
      resources.set(keyOf(resource.accountId, resource.region, resource.resourceArn), resource),
    addFault: (fault) => faults.push({ fault, left: fault.count }),
    reset: () => {
      resources.clear();
      faults.length = 0;
      tokens.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
