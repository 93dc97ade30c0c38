import { describe, expect, it } from 'vitest';
import { progressBar, renderProgress } from '../../../cli/progress.ts';

describe('renderProgress', () => {
  it.each([
    [
      { pagesDone: 0, pagesPlanned: 100, received: 0, total: 10_000 },
      0,
      '[........................] 0/100 pages, 0/10000 stores, estimating',
    ],
    [
      { pagesDone: 25, pagesPlanned: 100, received: 2_500, total: 10_000 },
      5_000,
      '[######..................] 25/100 pages, 2500/10000 stores, ~15 s left',
    ],
    [
      { pagesDone: 100, pagesPlanned: 100, received: 10_000, total: 10_000 },
      20_000,
      '[########################] 100/100 pages, 10000/10000 stores, ~0 s left',
    ],
  ])('draws %o after %i ms', (progress, elapsed, line) => {
    expect(renderProgress(progress, elapsed)).toBe(line);
  });
});

describe('progressBar', () => {
  it('draws in place on a terminal and ends its line', () => {
    const out: string[] = [];
    let now = 0;
    const bar = progressBar(
      (t) => out.push(t),
      true,
      () => now,
    );
    now = 1_000;
    bar.onProgress({ pagesDone: 1, pagesPlanned: 4, received: 100, total: 400 });
    bar.done();
    expect(out).toEqual(['\r[######..................] 1/4 pages, 100/400 stores, ~3 s left', '\n']);
  });

  it('stays silent when stderr is not a terminal, and for short listings', () => {
    const out: string[] = [];
    const piped = progressBar((t) => out.push(t), false);
    piped.onProgress({ pagesDone: 1, pagesPlanned: 50, received: 1, total: 50 });
    piped.done();
    const short = progressBar((t) => out.push(t), true);
    short.onProgress({ pagesDone: 1, pagesPlanned: 2, received: 1, total: 2 });
    short.done();
    expect(out).toEqual([]);
  });
});
