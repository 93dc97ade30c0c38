/**
 * Records a benchmark's figures in bench/RESULTS.md: each benchmark and mode owns one section,
 * between marker comments, replaced on every run so the file always shows the latest figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const resultsFile = new URL('../RESULTS.md', import.meta.url);

/** Replaces (or appends) the section `key` of bench/RESULTS.md with `markdown`. */
export function recordSection(key: string, markdown: string): void {
  const begin = `<!-- ${key}:begin -->`;
  const end = `<!-- ${key}:end -->`;
  let text: string;
  try {
    text = readFileSync(resultsFile, 'utf8');
  } catch {
    text = '# Benchmark results\n\nWritten by the benchmarks under bench/; each section is the latest run.\n';
  }
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  text =
    start >= 0 && stop > start
      ? `${text.slice(0, start)}${section}${text.slice(stop + end.length)}`
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(resultsFile, text);
}
