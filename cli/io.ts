/**
 * What a CLI command talks to: machine output on stdout, human progress on stderr, the
 * environment. Commands take it as an argument so tests run them in-process and read both streams.
 */
import type { Environment } from '#shared/config/env.ts';

/** The command's world. */
export interface CliIo {
  readonly env: Environment;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves when the person asks to stop (Ctrl-C); long-running commands watch it. */
  readonly stopSignal: AbortSignal;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  readonly stderrIsTerminal?: boolean;
}

/** A bad command line (exit code 2); the message says what was wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes of the contract: 0 success, 1 failure, 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
