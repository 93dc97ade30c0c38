import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { INTERRUPTED_EXIT_CODE, watchInterrupts } from '../../../cli/interrupt.ts';

/** A process stand-in: signals are emitted by the test, exits are recorded. */
class FakeProcess extends EventEmitter {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

describe('watchInterrupts', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'asks to stop on the first %s and exits 130 on the second',
    (name) => {
      // Arrange
      const host = new FakeProcess();
      const said: string[] = [];
      const interrupts = watchInterrupts((text) => said.push(text), host);
      // Act
      host.emit(name);
      // Assert
      expect(interrupts.signal.aborted).toBe(true);
      expect(host.exits).toEqual([]);
      expect(said).toEqual(['stopping at a safe point; press Ctrl-C again to exit at once\n']);
      host.emit(name === 'SIGINT' ? 'SIGTERM' : 'SIGINT');
      expect(host.exits).toEqual([INTERRUPTED_EXIT_CODE]);
      expect(INTERRUPTED_EXIT_CODE).toBe(130);
    },
  );

  it('stops listening once disposed', () => {
    const host = new FakeProcess();
    const interrupts = watchInterrupts(() => {}, host);
    interrupts.dispose();
    expect(host.listenerCount('SIGINT') + host.listenerCount('SIGTERM')).toBe(0);
    expect(interrupts.signal.aborted).toBe(false);
  });
});
