/**
 * The oldest Node.js the installed CLI runs on. undici 8 (the DSPM client's HTTP stack) needs
 * 22.19 (it loads zlib's zstd at start-up, which Node 20 lacks). `package.json` `engines.node`
 * and the bin shim's gate say the same; a test keeps the three in step.
 */
export const CLI_NODE_FLOOR = '22.19.0';
