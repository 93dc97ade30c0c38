/**
 * Prints the plain closing line CI reads (`tests: N passed, M failed`) from the JSON report that
 * vitest writes when `CI` is set (see vitest.config.ts). A missing report means the tests never
 * ran, which is a failure, not zero tests.
 */
import { readFileSync } from 'node:fs';

const reportPath = 'test-results/vitest.json';
let report: { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  console.error(`no test report at ${reportPath}: ${(error as Error).message}`);
  process.stdout.write('tests: 0 passed, 1 failed\n');
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
const line = `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed`;
process.stdout.write(`${skipped > 0 ? `${line}, ${skipped} skipped` : line}\n`);
process.exit(report.numFailedTests > 0 || skipped > 0 || report.numPassedTests === 0 ? 1 : 0);
