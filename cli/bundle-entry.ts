/**
 * The entry point esbuild bundles into `dist/cli.mjs` (`npm run build:cli`); the installed
 * `bin/dspm-bridge.cjs` imports it and calls `main`.
 */
export { main } from './main.ts';
