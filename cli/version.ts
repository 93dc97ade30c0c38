/**
 * The CLI's version: `package.json`'s, read at build time into the bundle and at start-up from a
 * checkout, so `dspm-bridge --version` names the package that is installed.
 */
import packageJson from '../package.json' with { type: 'json' };

/** `dspm-bridge <version>`. */
export const VERSION: string = packageJson.version;
