/**
 * A `StateStore` in a JSON file, for the CLI without `STATE_TABLE_NAME` (default
 * `.dspm-bridge/state.json`). The file is read before every operation and written, through a
 * temporary file and a rename, after every change: a crash never leaves half a file, and two CLI
 * processes see each other's lease (the window between read and write is small; the DynamoDB
 * store has none). A lease records the host and process id of its holder: a later poll on the same
 * host takes over a lease whose process is gone (killed, crashed) without waiting for it to expire.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { FindingException } from '../events/contract.ts';
import type { AuditEntry } from '../exceptions/exception-store.ts';
import { packCheckpoint, unpackCheckpoint } from './checkpoint-codec.ts';
import { isOwnerGone, type LeaseOwner, thisProcess } from './lease-owner.ts';
import { type Lease, MemoryStateStore, type TenantState } from './memory-store.ts';
import type { ProtectionRecord, TagRef } from './protection-records.ts';
import type { StoreRecord, TenantMeta } from './records.ts';

/** The default state file of the CLI. */
export const DEFAULT_STATE_FILE = '.dspm-bridge/state.json';

interface SavedLease {
  holder: string;
  expiresAtMs: number;
  /** Absent in files written before leases recorded their process. */
  owner?: LeaseOwner;
}

interface FileShape {
  version: 1;
  tenants: Record<
    string,
    {
      meta?: TenantMeta;
      lease?: SavedLease;
      stores: StoreRecord[];
      protections?: ProtectionRecord[];
      locks?: (SavedLease & { storeId: number })[];
      tagRef?: Partial<TagRef>;
      /** The poll in progress: its header as JSON, its seen ids packed in base64. */
      checkpoint?: { header: string; seen: string };
      /** People's exceptions, and their audit trail in the order written. */
      exceptions?: FindingException[];
      audit?: AuditEntry[];
    }
  >;
}

/** State kept in one JSON file. */
export class FileStateStore extends MemoryStateStore {
  readonly path: string;

  constructor(path: string = DEFAULT_STATE_FILE) {
    super();
    this.path = path;
  }

  protected override leaseOwner(): LeaseOwner {
    return thisProcess();
  }

  protected override isHolderGone(lease: Lease): boolean {
    return isOwnerGone(lease.owner);
  }

  protected override beforeAccess(): void {
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
      const state: TenantState = {
        meta: saved.meta,
        lease: saved.lease,
        stores: new Map((saved.stores ?? []).map((record) => [record.storeId, record])),
        protections: new Map((saved.protections ?? []).map((record) => [record.storeId, record])),
        locks: new Map((saved.locks ?? []).map(({ storeId, ...lease }) => [storeId, lease])),
        tagRef: saved.tagRef,
        checkpoint: saved.checkpoint && this.#readCheckpoint(saved.checkpoint),
        exceptions:
          saved.exceptions || saved.audit
            ? {
                exceptions: new Map((saved.exceptions ?? []).map((e) => [e.exceptionId, e])),
                audit: saved.audit ?? [],
              }
            : undefined,
      };
      this.tenants.set(tenant, state);
    }
  }

  #readCheckpoint(saved: { header: string; seen: string }) {
    try {
      return unpackCheckpoint({ header: saved.header, seen: Buffer.from(saved.seen, 'base64') });
    } catch (error) {
      throw new ConfigError(
        `the state file ${this.path} holds a poll checkpoint that cannot be read (${(error as Error).message}); remove its "checkpoint" entry to start the poll over`,
      );
    }
  }

  protected override afterChange(): void {
    const shape: FileShape = { version: 1, tenants: {} };
    for (const [tenant, state] of this.tenants) {
      shape.tenants[tenant] = {
        ...(state.meta ? { meta: state.meta } : {}),
        ...(state.lease ? { lease: state.lease } : {}),
        stores: [...state.stores.values()].sort((a, b) => a.storeId - b.storeId),
        protections: [...state.protections.values()].sort((a, b) => a.storeId - b.storeId),
        locks: [...state.locks.entries()].map(([storeId, lease]) => ({ storeId, ...lease })),
        ...(state.tagRef ? { tagRef: state.tagRef } : {}),
        ...(state.checkpoint ? { checkpoint: writeCheckpoint(state.checkpoint) } : {}),
        ...(state.exceptions
          ? { exceptions: [...state.exceptions.exceptions.values()], audit: state.exceptions.audit }
          : {}),
      };
    }
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(shape)}\n`);
    renameSync(temporary, this.path);
  }
}

function writeCheckpoint(checkpoint: Parameters<typeof packCheckpoint>[0]) {
  const packed = packCheckpoint(checkpoint);
  return { header: packed.header, seen: Buffer.from(packed.seen).toString('base64') };
}
