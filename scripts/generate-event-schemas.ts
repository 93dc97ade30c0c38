/** Writes docs/schemas/*.schema.json from the zod event contract (`npm run schemas`). */
import { writeFileSync } from 'node:fs';
import { eventJsonSchemas } from '#shared/events/json-schemas.ts';

const directory = new URL('../docs/schemas/', import.meta.url);
for (const { file, content } of eventJsonSchemas()) {
  writeFileSync(new URL(file, directory), content);
  process.stderr.write(`wrote docs/schemas/${file}\n`);
}
