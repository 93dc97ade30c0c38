/**
 * A `SnapshotStore` in a JSON file, for the CLI without `STATE_TABLE_NAME` (default
 * `.dspm-bridge/state.json`). The file is read before and written after every change, through a
 * temporary file and a rename, so a crash never leaves half a file and two CLI processes see each
 * other's lease (the window between read and write is small; the DynamoDB store has none).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.ts';
import { MemorySnapshotStore, type TenantState } from './memory-store.ts';
import type { CommitOutcome, StoreRecord, TenantMeta } from './records.ts';

/** The default state file of the CLI. */
export const DEFAULT_STATE_FILE = '.dspm-bridge/state.json';

interface FileShape {
  version: 1;
  tenants: Record<
    string,
    { meta?: TenantMeta; lease?: { holder: string; expiresAtMs: number }; stores: StoreRecord[] }
  >;
}

/** State kept in one JSON file. */
export class FileSnapshotStore extends MemorySnapshotStore {
  readonly path: string;

  constructor(path: string = DEFAULT_STATE_FILE) {
    super();
    this.path = path;
  }

  override async tryAcquireLease(tenant: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    this.#read();
    const acquired = await super.tryAcquireLease(tenant, holder, now, ttlMs);
    if (acquired) this.#write();
    return acquired;
  }

  override async releaseLease(tenant: string, holder: string): Promise<void> {
    this.#read();
    await super.releaseLease(tenant, holder);
    this.#write();
  }

  override async loadMeta(tenant: string): Promise<TenantMeta | undefined> {
    this.#read();
    return super.loadMeta(tenant);
  }

  override async loadStores(tenant: string): Promise<Map<number, StoreRecord>> {
    this.#read();
    return super.loadStores(tenant);
  }

  override async commitStores(
    tenant: string,
    records: readonly StoreRecord[],
    options?: { baseline?: boolean },
  ): Promise<CommitOutcome> {
    this.#read();
    const outcome = await super.commitStores(tenant, records, options);
    this.#write();
    return outcome;
  }

  override async saveMeta(tenant: string, meta: TenantMeta): Promise<void> {
    this.#read();
    await super.saveMeta(tenant, meta);
    this.#write();
  }

  #read(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.tenants.clear();
        return;
      }
      throw new ConfigError(`cannot read the state file ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let parsed: FileShape;
    try {
      parsed = JSON.parse(text) as FileShape;
    } catch {
      throw new ConfigError(
        `the state file ${this.path} is not valid JSON; move it away to start from a new baseline`,
      );
    }
    if (parsed.version !== 1 || typeof parsed.tenants !== 'object' || parsed.tenants === null) {
      throw new ConfigError(`the state file ${this.path} is not a dspm-bridge state file (version 1)`);
    }
    this.tenants.clear();
    for (const [tenant, saved] of Object.entries(parsed.tenants)) {
      const state: TenantState = { meta: saved.meta, lease: saved.lease, stores: new Map() };
      for (const record of saved.stores ?? []) state.stores.set(record.storeId, record);
      this.tenants.set(tenant, state);
    }
  }

  #write(): void {
    const shape: FileShape = { version: 1, tenants: {} };
    for (const [tenant, state] of this.tenants) {
      shape.tenants[tenant] = {
        ...(state.meta ? { meta: state.meta } : {}),
        ...(state.lease ? { lease: state.lease } : {}),
        stores: [...state.stores.values()].sort((a, b) => a.storeId - b.storeId),
      };
    }
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(shape)}\n`);
    renameSync(temporary, this.path);
  }
}
