/**
 * docs/events.md shows real output: the examples are produced again by the CLI against the
 * simulator (scripts/event-examples.ts, as `npm run docs:events` does) and must match the doc in
 * everything but the values that differ per run.
 */
import { describe, expect, it } from 'vitest';
import {
  documentedExamples,
  maskPerRun,
  produceEventExamples,
  readEventsDoc,
  withExamples,
} from '../../../scripts/event-examples.ts';

describe('docs/events.md examples', () => {
  it('are what the CLI prints today', async () => {
    const fresh = await produceEventExamples();
    const documented = documentedExamples(readEventsDoc());
    for (const [type, event] of Object.entries(fresh)) {
      expect(maskPerRun(documented[type]), `${type}: run npm run docs:events`).toEqual(maskPerRun(event));
    }
  });

  it('the comparison sees a wrong example (encryption shown as turned on)', async () => {
    const fresh = await produceEventExamples();
    const wrong = structuredClone(fresh);
    (wrong['data-store-risk-changed'].Detail.current as Record<string, unknown>).encryption = 'On';
    const documented = documentedExamples(withExamples(readEventsDoc(), wrong));
    expect(maskPerRun(documented['data-store-risk-changed'])).not.toEqual(
      maskPerRun(fresh['data-store-risk-changed']),
    );
    expect(maskPerRun(documented['data-store-removed'])).toEqual(maskPerRun(fresh['data-store-removed']));
  });
});
