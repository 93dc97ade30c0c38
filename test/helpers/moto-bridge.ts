/**
 * The bridge's surroundings on moto, as most integration tests of a Lambda handler need them: a
 * simulator playing the tenant, a custom bus, the state table (and, when asked, the exceptions'
 * audit table), the token's secret, and the environment the stack gives the functions pointing at
 * all of them. One call sets it up; `close()` puts the environment back and stops the simulator.
 */
import { inject } from 'vitest';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '#simulator/server.ts';
import {
  createAuditTable,
  createBus,
  createSecret,
  createStateTable,
  motoClients,
  motoEnvironment,
  uniqueName,
  useEnvironment,
} from './aws.ts';

/** What to set up. */
export interface MotoBridgeOptions<Audit extends boolean = boolean> {
  /** Prefix of the bus, table and audit table names (each made unique for the run). */
  readonly name: string;
  /** The simulator's options: the tokens it accepts, its stores, latency, request hook. */
  readonly simulator?: SimulatorOptions;
  /** The secret's value as the token is stored: `{"token": ...}` JSON or the bare token. */
  readonly secret: string;
  /** Also an exceptions' audit table, named in `EXCEPTION_AUDIT_TABLE_NAME`. */
  readonly auditTable?: Audit;
  /** Variables beyond those every function reads (page size, chunk seconds, queue URLs...). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Whether to set the variables in this process (default true: the handler runs in-process).
   * False leaves them in `env` only, for a child process.
   */
  readonly setProcessEnv?: boolean;
}

/** What was set up. */
export interface MotoBridge<Audit extends boolean = boolean> {
  readonly endpoint: string;
  readonly clients: ReturnType<typeof motoClients>;
  readonly sim: RunningSimulator;
  /** The simulator's host: the tenant's name in the state table and in events. */
  readonly tenant: string;
  readonly busName: string;
  readonly tableName: string;
  /** The audit table's name when `auditTable` was asked for. */
  readonly auditTableName: Audit extends true ? string : undefined;
  readonly secretId: string;
  /** Every variable set (or to pass to a child process): moto's, the functions', the extra ones. */
  readonly env: Readonly<Record<string, string>>;
  /** Sets more variables, for resources made after the bridge (a queue, a peer); `close()` undoes them too. */
  setEnv(values: Readonly<Record<string, string>>): void;
  /** Puts back the environment as it was and stops the simulator. */
  close(): Promise<void>;
}

/**
 * Starts the simulator, creates the bus, table(s) and secret in the run's moto server, and (unless
 * `setProcessEnv` is false) sets the environment a Lambda of the stack would get.
 */
export async function bridgeOnMoto<Audit extends boolean = false>(
  options: MotoBridgeOptions<Audit>,
): Promise<MotoBridge<Audit>> {
  const endpoint = inject('motoEndpoint');
  const clients = motoClients(endpoint);
  const sim = await startSimulator(options.simulator);
  const busName = uniqueName(`${options.name}-bus`);
  const tableName = uniqueName(`${options.name}-state`);
  const auditTableName = options.auditTable ? uniqueName(`${options.name}-audit`) : undefined;
  await createBus(clients.eventBridge, busName);
  await createStateTable(clients.dynamoDb, tableName);
  if (auditTableName) await createAuditTable(clients.dynamoDb, auditTableName);
  const secretId = await createSecret(clients.secretsManager, options.secret);
  const env: Record<string, string> = {
    ...motoEnvironment(endpoint),
    DSPM_TENANT_URL: sim.url,
    DSPM_ALLOW_ANY_HOST: 'true',
    DSPM_API_TOKEN_SECRET_ID: secretId,
    EVENT_BUS_NAME: busName,
    STATE_TABLE_NAME: tableName,
    ...(auditTableName ? { EXCEPTION_AUDIT_TABLE_NAME: auditTableName } : {}),
    ...options.env,
  };
  const setProcessEnv = options.setProcessEnv ?? true;
  const restores: (() => void)[] = [];
  const setEnv = (values: Readonly<Record<string, string>>) => {
    Object.assign(env, values);
    if (setProcessEnv) restores.push(useEnvironment(values));
  };
  setEnv(env);
  return {
    endpoint,
    clients,
    sim,
    tenant: new URL(sim.url).host,
    busName,
    tableName,
    auditTableName: auditTableName as MotoBridge<Audit>['auditTableName'],
    secretId,
    env,
    setEnv,
    close: async () => {
      // Newest first, so each undo puts back what the one before it found.
      for (const restore of restores.splice(0).reverse()) restore();
      await sim.close();
    },
  };
}
