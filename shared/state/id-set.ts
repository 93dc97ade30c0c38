/**
 * A set of store ids (integers from 0 to 2^32 - 1) that stays small for the ids DSPM hands out,
 * which count up: ids are grouped by their high 16 bits, and a group keeps its low 16 bits in a
 * small `Set` until it holds `BITMAP_FROM` of them, then in an 8 KB bitmap. 1,000,000 consecutive
 * ids take 16 bitmaps (128 KB) where a V8 `Set` takes some 20 to 30 MB, and copying, packing and
 * unpacking the set of a 1,000,000-store pass allocate that little too. Sparse ids cost about what
 * a `Set` costs. Iteration is ascending.
 *
 * Written here rather than taken from a roaring-bitmap package: those are native or WebAssembly
 * builds (one per Lambda architecture) for a structure of which a poll needs three operations.
 */

/** Ids in one group: the low 16 bits. */
const GROUP_BITS = 16;
const GROUP_SIZE = 1 << GROUP_BITS;
/** A group turns into a bitmap once a `Set` of its ids would outweigh 8 KB (about 32 bytes an id). */
const BITMAP_FROM = 256;
const MAX_ID = 0xffff_ffff;

/** What readers of a set of ids need (a `Set<number>` is one too). */
export interface ReadonlyIdSet extends Iterable<number> {
  readonly size: number;
  has(id: number): boolean;
}

type Group = Set<number> | Uint8Array;

/** A compact set of non-negative integer ids below 2^32. */
export class IdSet implements ReadonlyIdSet {
  readonly #groups = new Map<number, Group>();
  #size = 0;

  /** A set of `ids` (an `IdSet` is copied group by group). */
  static from(ids: Iterable<number>): IdSet {
    const set = new IdSet();
    if (ids instanceof IdSet) {
      for (const [key, group] of ids.#groups)
        set.#groups.set(key, group instanceof Set ? new Set(group) : group.slice());
      set.#size = ids.#size;
      return set;
    }
    for (const id of ids) set.add(id);
    return set;
  }

  get size(): number {
    return this.#size;
  }

  has(id: number): boolean {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) return false;
    const group = this.#groups.get(Math.floor(id / GROUP_SIZE));
    if (group === undefined) return false;
    const low = id % GROUP_SIZE;
    return group instanceof Set ? group.has(low) : ((group[low >> 3] ?? 0) & (1 << (low & 7))) !== 0;
  }

  /** @throws RangeError for anything but an integer from 0 to 2^32 - 1. */
  add(id: number): this {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID)
      throw new RangeError(`store ids are integers from 0 to 2^32 - 1, got ${id}`);
    const key = Math.floor(id / GROUP_SIZE);
    const low = id % GROUP_SIZE;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = new Set();
      this.#groups.set(key, group);
    }
    if (group instanceof Set) {
      if (group.has(low)) return this;
      group.add(low);
      this.#size++;
      if (group.size >= BITMAP_FROM) this.#groups.set(key, toBitmap(group));
      return this;
    }
    const mask = 1 << (low & 7);
    const byte = group[low >> 3] ?? 0;
    if ((byte & mask) === 0) {
      group[low >> 3] = byte | mask;
      this.#size++;
    }
    return this;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const key of [...this.#groups.keys()].sort((a, b) => a - b)) {
      const group = this.#groups.get(key) as Group;
      const base = key * GROUP_SIZE;
      if (group instanceof Set) {
        for (const low of [...group].sort((a, b) => a - b)) yield base + low;
        continue;
      }
      for (let byte = 0; byte < group.length; byte++) {
        const bits = group[byte] ?? 0;
        if (bits === 0) continue;
        for (let bit = 0; bit < 8; bit++) if (bits & (1 << bit)) yield base + byte * 8 + bit;
      }
    }
  }
}

function toBitmap(lows: Set<number>): Uint8Array {
  const bits = new Uint8Array(GROUP_SIZE / 8);
  for (const low of lows) bits[low >> 3] = (bits[low >> 3] ?? 0) | (1 << (low & 7));
  return bits;
}
