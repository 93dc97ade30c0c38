/**
 * Who holds a file-state lease: the host and process id of the poll that took it. A lease whose
 * holder process is gone (killed, crashed) is taken over at once instead of blocking every later
 * poll until it expires. A holder on another host cannot be checked, so its lease is only taken
 * over once it expired.
 */
import { hostname } from 'node:os';

/** The process behind a lease. */
export interface LeaseOwner {
  readonly host: string;
  readonly pid: number;
}

/** This process, as recorded in the leases it takes. */
export function thisProcess(): LeaseOwner {
  return { host: hostname(), pid: process.pid };
}

/**
 * True when `owner` is a process of this host that no longer runs. Signal 0 checks that a process
 * exists without touching it: `ESRCH` means there is none; `EPERM` means it exists under another
 * user. A recycled pid reads as alive, so such a lease falls back to its expiry.
 */
export function isOwnerGone(owner: LeaseOwner | undefined, here: LeaseOwner = thisProcess()): boolean {
  if (owner === undefined || owner.host !== here.host) return false;
  if (owner.pid === here.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
