/**
 * A progress bar for long listings, redrawn in place on a terminal's stderr: pages done of
 * planned, stores received, and time left at the pace so far. Silent when stderr is not a
 * terminal (CI logs, pipes), where a bar would only be noise.
 */
import type { ListingProgress } from '#shared/dspm/listing.ts';

/** Returns the progress callback and a function that ends the bar's line. */
export function progressBar(
  write: (text: string) => void,
  isTerminal: boolean,
  now: () => number = () => performance.now(),
): { onProgress: (progress: ListingProgress) => void; done: () => void } {
  if (!isTerminal) return { onProgress: () => {}, done: () => {} };
  const started = now();
  let drawn = false;
  return {
    onProgress: (progress) => {
      // Small listings finish before a bar helps; draw from the third page on.
      if (progress.pagesPlanned < 3) return;
      write(`\r${renderProgress(progress, now() - started)}`);
      drawn = true;
    },
    done: () => {
      if (drawn) write('\n');
    },
  };
}

/** One line: `[#####.....] 50/100 pages, 5000/10000 stores, ~12 s left`. */
export function renderProgress(progress: ListingProgress, elapsedMs: number, width = 24): string {
  const share = Math.min(1, progress.pagesDone / Math.max(1, progress.pagesPlanned));
  const filled = Math.round(share * width);
  const leftMs = share > 0 ? (elapsedMs / share) * (1 - share) : Number.NaN;
  const left = Number.isFinite(leftMs) ? `~${Math.ceil(leftMs / 1000)} s left` : 'estimating';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.pagesDone}/${progress.pagesPlanned} pages, ${progress.received}/${progress.total} stores, ${left}`;
}
