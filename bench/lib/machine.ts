/** What machine a benchmark ran on, for bench/RESULTS.md. */
import { cpus, totalmem } from 'node:os';

/** One line: CPU model, cores, memory, Node version, platform. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memoryGiB = Math.round(totalmem() / 2 ** 30);
  return `${cpu}, ${cpus().length} cores, ${memoryGiB} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}
