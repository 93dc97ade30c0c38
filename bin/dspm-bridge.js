#!/usr/bin/env node
// The installed command. The CLI is TypeScript run by Node 24's type stripping, which works from a
// checkout (`npm run cli -- <command>`); this shim starts the same entry point.
import { main } from '../cli/main.ts';

await main();
