/**
 * JSON Schemas of the event details, generated from the zod contract so the published schema
 * and the code cannot disagree. `npm run schemas` writes them to `docs/schemas/`; a test fails
 * when the files there are stale.
 */
import { z } from 'zod';
import { DETAIL_SCHEMAS } from './contract.ts';

/** File name (under docs/schemas/) and content of each detail type's schema. */
export function eventJsonSchemas(): { file: string; content: string }[] {
  return Object.entries(DETAIL_SCHEMAS).map(([detailType, schema]) => {
    const json = {
      $id: `urn:dspm-bridge:event:${detailType}:1`,
      title: `${detailType} detail`,
      ...z.toJSONSchema(schema, { target: 'draft-2020-12' }),
    };
    return { file: `${detailType}.schema.json`, content: `${JSON.stringify(json, null, 2)}\n` };
  });
}
