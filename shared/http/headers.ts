/**
 * Reading response headers as undici hands them over: a header sent once is a string, a repeated
 * one an array of its values.
 */

/** The first value of a header that may have been sent more than once; undefined when absent. */
export function headerValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}
