import { describe, expect, it } from 'vitest';
import { REPEATS_SHOWN, stderrLogger } from '../../../cli/stderr-logger.ts';

describe('the CLI logger', () => {
  it('shows a repeated message a few times, says once that the rest are held back, and starts over on reset', () => {
    const lines: string[] = [];
    const logger = stderrLogger((text) => lines.push(text), false);
    for (let store = 1; store <= 10_000; store++) logger.warn('event not accepted', { storeId: store });
    logger.error('something else');
    expect(lines).toEqual([
      'warning: event not accepted (storeId=1)\n',
      'warning: event not accepted (storeId=2)\n',
      'warning: event not accepted (storeId=3)\n',
      'warning: event not accepted (more like this are not shown)\n',
      'error: something else\n',
    ]);
    expect(REPEATS_SHOWN).toBe(3);
    logger.resetRepeats();
    logger.warn('event not accepted', { storeId: 1 });
    expect(lines.at(-1)).toBe('warning: event not accepted (storeId=1)\n');
  });
});
