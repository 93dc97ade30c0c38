/**
 * EventBridge's size rule for `PutEvents`: an entry counts the UTF-8 bytes of Source, DetailType,
 * Detail and each Resource, plus 14 bytes for Time; one entry and one request must each stay
 * within 256 KB. (AWS documents the formula under "Calculating PutEvents event entry size".)
 */

/** 256 KB, the cap on one entry and on one request. */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/** Most entries in one `PutEvents` call. */
export const MAX_PUT_EVENTS_ENTRIES = 10;

/** The size EventBridge counts for one entry. */
export function entrySize(entry: {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources?: readonly string[];
}): number {
  let size =
    14 +
    Buffer.byteLength(entry.Source) +
    Buffer.byteLength(entry.DetailType) +
    Buffer.byteLength(entry.Detail);
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource);
  return size;
}

/**
 * Groups items into batches of at most 10 whose sizes add up to at most 256 KB, keeping order.
 * Items over the cap on their own are not batched; the caller reports them.
 */
export function batchBySize<T>(items: readonly T[], sizeOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length === MAX_PUT_EVENTS_ENTRIES || currentBytes + size > MAX_PUT_EVENTS_BYTES) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches.filter((batch) => batch.length > 0);
}
