/**
 * English messages for `zod/mini`, which the code that runs in the Lambdas uses: the same schemas
 * and parser as `zod` without the method-chaining classes, which cost a cold start about 17 ms to
 * load (bench:cold-start). zod/mini ships no messages of its own; importing this module (for its
 * effect) makes an issue read as it does with `zod` ("Too small: expected string to have >=1
 * characters"). Schema modules import `zod/mini` as a namespace themselves, so esbuild keeps only
 * what they use (re-exporting the namespace would keep every locale in the bundle).
 * The event contract (docs, JSON Schemas, tests) keeps the full `zod`.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
