/**
 * Builds the Lambda bundles into dist/lambda/<name>/ (infra/function-bundles.ts). Run by
 * `npm run build:functions` and on `prepack`, so `npm pack` ships bundles of the sources packed.
 */
import { buildFunctionBundles } from '../infra/function-bundles.ts';

const built = await buildFunctionBundles();
process.stderr.write(
  `built dist/lambda: ${built.names.join(', ')} (${built.written.length} files changed)\n`,
);
