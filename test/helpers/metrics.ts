/**
 * Reads the metrics Powertools wrote (CloudWatch embedded metric format, one JSON object a line)
 * out of captured process output.
 */

/** Every value `name` was given, in the order the lines were written. */
export function metricValues(output: readonly string[], name: string): number[] {
  const values: number[] = [];
  for (const line of output.join('').split('\n')) {
    if (!line.includes('"_aws"')) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    const value = record[name];
    if (typeof value === 'number') values.push(value);
    else if (Array.isArray(value)) values.push(...(value as number[]));
  }
  return values;
}
