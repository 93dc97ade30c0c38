/**
 * The run's Node.js compile cache (test/helpers/compile-cache-setup.ts) as a variable for a child
 * process started with an environment of its own; empty when the run has none.
 */
export function compileCacheEnvironment(): Record<string, string> {
  const directory = process.env.NODE_COMPILE_CACHE;
  return directory ? { NODE_COMPILE_CACHE: directory } : {};
}
