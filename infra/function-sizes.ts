/**
 * Memory and V8 heap of the bridge's Lambdas, from measured peaks (bench/RESULTS.md). Lambda bills
 * memory x duration, and the poller spends most of a chunk waiting on the tenant's rate limit, so
 * memory it does not touch is paid for every second of every poll.
 *
 * - **Poller: 512 MB, heap 256 MB.** The heaviest measured step is a chunk of a 1,000,000-store
 *   poll (`bench:poll-chunked`, 60 s chunks, page size 100): peak RSS 381 MB at most with
 *   `--max-old-space-size=256`, the live heap after each chunk 16 to 21 MB, the finish (which
 *   walks every committed record for removals) 366 MB. The rest of a peak is garbage V8 collects
 *   late when its limit is high; a 256 MB old space makes it collect sooner for a little CPU, and
 *   512 MB leaves 130 MB over the highest peak for native memory (undici, the SDK, the bundle).
 *   1,024 MB, what it had before, bought nothing the figures show.
 * - Tagger 512 MB and the coverage sweep 1,024 MB are unchanged: the sweep reads every store and
 *   protection record of the tenant at once and has no measured peak at scale yet.
 */

/** What one function gets. */
export interface FunctionSize {
  readonly memoryMb: number;
  /** V8's old-space limit (`--max-old-space-size`), or undefined for Node's own choice. */
  readonly heapMb?: number | undefined;
}

/** The size of each bridge function. */
export const FUNCTION_SIZES = {
  poller: { memoryMb: 512, heapMb: 256 },
  tagger: { memoryMb: 512 },
  coverage: { memoryMb: 1024 },
} as const satisfies Record<string, FunctionSize>;
