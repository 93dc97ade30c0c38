/**
 * Runs a function bundle from a synthesized assembly the way Lambda loads it: the asset folder is
 * copied to a task root outside the project, next to a `node_modules` that holds only the AWS SDK
 * (`@aws-sdk/*` and what they depend on), as the Node.js runtime provides it; nothing else the
 * project installs is reachable from there. Each invocation is a child process on the project's
 * Node 24 running test/helpers/lambda-driver.mjs, with exactly the environment given.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPOSITORY_ROOT } from './cdk-cli.ts';
import { compileCacheEnvironment } from './compile-cache.ts';

const PROJECT_MODULES = join(REPOSITORY_ROOT, 'node_modules');
const DRIVER = join(REPOSITORY_ROOT, 'test', 'helpers', 'lambda-driver.mjs');

/** A bundle staged as a Lambda task root. */
export interface StagedBundle {
  /** The copy of the asset folder (LAMBDA_TASK_ROOT). */
  readonly taskRoot: string;
  /** The driver, copied beside the task root so nothing of the project is on the path. */
  readonly driver: string;
  /** The packages the "runtime" provides, by name. */
  readonly runtimePackages: readonly string[];
  /** True when `name` resolves from the task root (it must not, for bundled dependencies). */
  resolvable(name: string): boolean;
  remove(): void;
}

/** What one invocation returned and printed. */
export interface Invocation {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { name: string; message: string };
  /** Everything the process wrote (Powertools logs and metrics, one JSON object a line). */
  readonly output: string;
  readonly code: number | null;
}

/** `@aws-sdk/*` in the project and the closure of their dependencies, as top-level package names. */
function sdkClosure(): string[] {
  const names = new Set<string>();
  const pending = readdirSync(join(PROJECT_MODULES, '@aws-sdk')).map((name) => `@aws-sdk/${name}`);
  for (let step = 0; pending.length > 0 && step < 10_000; step++) {
    const name = pending.pop() as string;
    if (names.has(name) || !existsSync(join(PROJECT_MODULES, name, 'package.json'))) continue;
    names.add(name);
    const manifest = JSON.parse(readFileSync(join(PROJECT_MODULES, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    pending.push(...Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }));
  }
  return [...names].sort();
}

/** Copies `assetDirectory` to a new task root with the runtime's SDK beside it. */
export function stageBundle(assetDirectory: string): StagedBundle {
  const root = mkdtempSync(join(tmpdir(), 'dspm-bridge-lambda-'));
  const taskRoot = join(root, 'task');
  cpSync(assetDirectory, taskRoot, { recursive: true });
  const driver = join(root, 'driver.mjs');
  cpSync(DRIVER, driver);
  const runtimePackages = sdkClosure();
  for (const name of runtimePackages) {
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(PROJECT_MODULES, name), link, 'dir');
  }
  const require = createRequire(join(taskRoot, 'index.mjs'));
  return {
    taskRoot,
    driver,
    runtimePackages,
    resolvable: (name) => {
      try {
        require.resolve(name);
        return true;
      } catch {
        return false;
      }
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Invokes the staged bundle once in a child process with `env` (and nothing else) and `event`. */
export function invokeBundle(
  bundle: StagedBundle,
  env: Record<string, string>,
  event: unknown,
  timeoutMs = 30_000,
): Promise<Invocation> {
  const scratch = mkdtempSync(join(tmpdir(), 'dspm-bridge-invoke-'));
  const eventFile = join(scratch, 'event.json');
  const resultFile = join(scratch, 'result.json');
  writeFileSync(eventFile, JSON.stringify(event));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bundle.driver, eventFile, resultFile],
      {
        cwd: bundle.taskRoot,
        // The run's compile cache is for Node.js itself; the function's code never reads it.
        env: {
          ...compileCacheEnvironment(),
          ...env,
          LAMBDA_TASK_ROOT: bundle.taskRoot,
          DRIVER_TIMEOUT_MS: String(timeoutMs),
        },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const outcome = existsSync(resultFile)
          ? (JSON.parse(readFileSync(resultFile, 'utf8')) as Omit<Invocation, 'output' | 'code'>)
          : {
              ok: false,
              error: { name: 'NoResult', message: `the driver wrote no result: ${stderr.slice(-2000)}` },
            };
        rmSync(scratch, { recursive: true, force: true });
        resolve({ ...outcome, output: stdout + stderr, code });
      },
    );
  });
}
