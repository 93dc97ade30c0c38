/**
 * Input echoed into a log line or an error is capped: a 3 MB `resourceArn` in a hostile or broken
 * event must not become a 3 MB log line (CloudWatch bills it, and truncates it anyway at 256 KB).
 */

/** Longest piece of input repeated in a message. */
export const EXCERPT_CHARS = 200;

/** `text` as is when short, else its start and how long it really was. */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
