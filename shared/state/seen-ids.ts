/**
 * The ids a poll has seen, packed small enough to checkpoint: a resumed poll needs them to know,
 * after its last chunk, which committed stores the pass did not see. DynamoDB caps an item at
 * 400 KB, and 1,000,000 ids as JSON numbers take about 7 MB, so the set is packed two ways and
 * the smaller kept (first byte says which):
 *
 * - runs: sorted ids as (gap, run length) varint pairs; a tenant of consecutive ids packs to a
 *   few bytes, a sparse one to about two bytes an id;
 * - bitmap: one bit per id from the smallest to the largest; dense ids with scattered gaps cost
 *   range / 8 bytes (1,000,000 ids: 125 KB) whatever the gaps.
 *
 * `chunkBytes` splits the result into pieces that each fit an item.
 */

import { IdSet } from './id-set.ts';

const RUNS = 1;
const BITMAP = 2;

/** Packs positive integer ids (duplicates and order do not matter). */
export function encodeSeenIds(ids: Iterable<number>): Uint8Array {
  const sorted = ids instanceof IdSet ? ascendingOf(ids) : sortedDistinct(ids);
  const runs = encodeRuns(sorted);
  if (sorted.length === 0) return runs;
  const bitmapBytes = 1 + 10 + Math.ceil(((sorted.at(-1) ?? 0) - (sorted[0] ?? 0) + 1) / 8);
  return bitmapBytes < runs.length ? encodeBitmap(sorted) : runs;
}

/** The ids `encodeSeenIds` packed, ascending. */
export function decodeSeenIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  forEachPacked(bytes, (id) => ids.push(id));
  return ids;
}

/** The ids `encodeSeenIds` packed, as an `IdSet` (no array of every id on the way). */
export function decodeSeenIdSet(bytes: Uint8Array): IdSet {
  const ids = new IdSet();
  forEachPacked(bytes, (id) => ids.add(id));
  return ids;
}

/** An `IdSet` iterates ascending and without duplicates: no copy to sort. */
function ascendingOf(ids: IdSet): Uint32Array {
  const sorted = new Uint32Array(ids.size);
  let at = 0;
  for (const id of ids) sorted[at++] = id;
  return sorted;
}

function sortedDistinct(ids: Iterable<number>): Uint32Array {
  const distinct = new Set(ids);
  for (const id of distinct)
    if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff)
      throw new RangeError(`seen ids must be non-negative integers below 2^32, got ${id}`);
  return Uint32Array.from(distinct).sort();
}

function forEachPacked(bytes: Uint8Array, visit: (id: number) => void): void {
  const reader = { bytes, at: 1 };
  if (bytes[0] === RUNS) {
    let next = 0;
    while (reader.at < bytes.length) {
      next += readVarint(reader);
      const length = readVarint(reader);
      for (let i = 0; i < length; i++) visit(next + i);
      next += length;
    }
    return;
  }
  if (bytes[0] === BITMAP) {
    const first = readVarint(reader);
    for (let byte = reader.at; byte < bytes.length; byte++) {
      const bits = bytes[byte] ?? 0;
      if (bits === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (bits & (1 << bit)) visit(first + (byte - reader.at) * 8 + bit);
    }
    return;
  }
  throw new RangeError(`not a packed set of seen ids (format byte ${bytes[0]})`);
}

/** Splits `bytes` into pieces of at most `maxBytes` (the checkpoint's items). */
export function chunkBytes(bytes: Uint8Array, maxBytes: number): Uint8Array[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${maxBytes}`);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += maxBytes)
    chunks.push(bytes.subarray(start, start + maxBytes));
  return chunks;
}

function encodeRuns(sorted: Uint32Array): Uint8Array {
  const out: number[] = [RUNS];
  let next = 0;
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i] ?? 0;
    let length = 1;
    while (sorted[i + length] === start + length) length++;
    writeVarint(out, start - next);
    writeVarint(out, length);
    next = start + length;
    i += length;
  }
  return Uint8Array.from(out);
}

function encodeBitmap(sorted: Uint32Array): Uint8Array {
  const first = sorted[0] ?? 0;
  const header: number[] = [BITMAP];
  writeVarint(header, first);
  const bits = new Uint8Array(Math.ceil(((sorted.at(-1) ?? first) - first + 1) / 8));
  for (const id of sorted)
    bits[(id - first) >> 3] = (bits[(id - first) >> 3] ?? 0) | (1 << ((id - first) & 7));
  const out = new Uint8Array(header.length + bits.length);
  out.set(header);
  out.set(bits, header.length);
  return out;
}

function writeVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

function readVarint(reader: { bytes: Uint8Array; at: number }): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    const byte = reader.bytes[reader.at++];
    if (byte === undefined) throw new RangeError('packed seen ids end inside a number');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 128;
  }
  throw new RangeError('packed seen ids hold a number longer than 5 bytes');
}
