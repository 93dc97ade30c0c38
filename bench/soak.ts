/**
 * bench:soak — a bounded soak of the poller with faults switched on (loopback only): hundreds of
 * polls of a changing simulated tenant while DSPM, EventBridge and DynamoDB misbehave and the
 * process crashes at random points; the guarantees are checked after every poll. Prints and
 * records polls, faults injected, events, retries and invariant violations (which must be zero).
 *
 *   npm run bench:soak                 400 polls
 *   npm run bench:soak -- --polls 50   a shorter one
 */
import { describeMachine } from './lib/machine.ts';
import { recordSection } from './lib/results.ts';
import { runSoak } from './lib/soak-run.ts';

const pollsFlag = process.argv.indexOf('--polls');
const polls = pollsFlag >= 0 ? Number(process.argv[pollsFlag + 1]) : 400;
if (!Number.isInteger(polls) || polls < 2 || polls > 10_000) {
  process.stderr.write('bench:soak: --polls takes a whole number from 2 to 10000\n');
  process.exit(2);
}
const seed = 20_261_122;
const started = performance.now();
const report = await runSoak({ polls, seed, faultRate: 0.35, stores: 80 });
const seconds = (performance.now() - started) / 1000;

const f = report.faults;
const markdown = [
  '## bench:soak',
  '',
  `${report.polls} polls (seed ${seed}, 80 stores to start, fault rate 0.35) in ${seconds.toFixed(1)} s. Machine: ${describeMachine()}. Run: ${new Date().toISOString()}.`,
  '',
  '| polls | complete | incomplete | crashed | DSPM faults | mid-listing changes | events refused | commits refused | crashes injected | events accepted | events re-sent (same id) | DSPM retries | violations |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  `| ${report.polls} | ${report.completed} | ${report.incomplete} | ${report.crashed} | ${f.dspm} | ${f.midListingChanges} | ${f.refusedEvents} | ${f.refusedCommits} | ${f.crashes} | ${report.events.accepted} | ${report.events.resent} | ${report.dspmRetries} | **${report.violations.length}** |`,
  '',
  report.violations.length === 0
    ? 'Every guarantee held after every poll, and the state converged on the tenant once the faults stopped.'
    : `Violations:\n${report.violations.map((v) => `- ${v}`).join('\n')}`,
].join('\n');
process.stdout.write(`${markdown}\n`);
recordSection('bench-soak', markdown);
if (report.violations.length > 0) process.exitCode = 1;
