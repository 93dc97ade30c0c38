/**
 * Child of bench:cold-start: imports one bundle, as the Lambda runtime does at a cold start, and
 * prints how long the import took (wall and CPU time) and the process's RSS afterwards, as one
 * JSON line.
 *
 *   node bench/lib/cold-start-import.ts <bundle.mjs>
 */
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
if (!bundle) throw new Error('usage: cold-start-import.ts <bundle.mjs>');
const started = performance.now();
const cpuBefore = process.cpuUsage();
await import(pathToFileURL(bundle).href);
const cpu = process.cpuUsage(cpuBefore);
const importMs = performance.now() - started;
// CPU time (user + system) is the steadier figure on a shared machine: waiting for a core adds
// to the wall time only.
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`${JSON.stringify({ importMs, cpuMs, rssMb: process.memoryUsage.rss() / 2 ** 20 })}\n`);
