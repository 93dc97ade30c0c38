import { describe, expect, it } from 'vitest';
import { parseSimulatorArgs, UsageError } from '#simulator/args.ts';
import { runSimulatorCommand, startupMessage } from '#simulator/run.ts';

describe('parseSimulatorArgs', () => {
  it.each([
    [[], {}],
    [['--port', '8080'], { port: 8080 }],
    [['--port=0'], { port: 0 }],
    [['--stores', '100000', '--seed=-7'], { stores: 100000, seed: -7 }],
    [['--latency-ms', '25', '--rate-limit', '2.5'], { latencyMs: 25, rateLimitRps: 2.5 }],
    [
      ['--rate-limit', '10', '--rate-limit-kind', 'token-bucket', '--rate-limit-burst', '20'],
      { rateLimitRps: 10, rateLimitKind: 'token-bucket', rateLimitBurst: 20 },
    ],
    [
      ['--rate-limit', '10', '--rate-limit-kind=fixed-window', '--rate-limit-headers', 'on'],
      { rateLimitRps: 10, rateLimitKind: 'fixed-window', rateLimitHeaders: true },
    ],
  ])('reads %j as %j', (argv, options) => {
    expect(parseSimulatorArgs(argv)).toEqual({ kind: 'run', options });
  });

  it.each([[['--help']], [['-h']]])('asks for help with %j', (argv) => {
    expect(parseSimulatorArgs(argv)).toEqual({ kind: 'help' });
  });

  it.each([
    [['--port', '70000'], '--port must be an integer 0..65535, got "70000"'],
    [['--port', 'http'], '--port must be an integer'],
    [['--stores=-1'], '--stores must be an integer >= 0, got "-1"'],
    [['--stores', '1e5'], '--stores must be an integer'],
    [['--latency-ms', '1.5'], '--latency-ms must be an integer'],
    [['--rate-limit', '0'], '--rate-limit must be a positive number, got "0"'],
    [['--rate-limit', 'fast'], '--rate-limit must be a positive number'],
    [
      ['--rate-limit', '1', '--rate-limit-kind', 'leaky'],
      '--rate-limit-kind must be one of sliding-window, fixed-window, token-bucket, got "leaky"',
    ],
    [['--rate-limit', '1', '--rate-limit-headers', 'yes'], '--rate-limit-headers must be one of on, off'],
    [['--rate-limit-kind', 'fixed-window'], 'need --rate-limit RPS'],
    [['--verbose'], 'unknown option --verbose'],
    [['--stores', '-5'], '--stores must be an integer >= 0, got "-5"'],
    [['--latency-ms', '-1'], '--latency-ms must be an integer >= 0, got "-1"'],
    [['--dryrun'], /^unknown option --dryrun$/],
    [['--store', '5'], 'unknown option --store; did you mean --stores?'],
    [['--port'], "Option '--port <value>' argument missing"],
    [['serve'], "Unexpected argument 'serve'"],
  ])('refuses %j with a usage error naming the flag', (argv, message) => {
    expect(() => parseSimulatorArgs(argv)).toThrow(UsageError);
    expect(() => parseSimulatorArgs(argv)).toThrow(message);
  });
});

describe('runSimulatorCommand', () => {
  it('prints the reason and the usage and asks for exit code 2 on a bad flag', async () => {
    let output = '';
    const outcome = await runSimulatorCommand(['--bogus'], {}, (text) => {
      output += text;
    });
    expect(outcome).toEqual({ exitCode: 2 });
    expect(output).toContain('simulator: unknown option --bogus\n');
    expect(output).toContain('usage: node simulator/main.ts');
  });

  it('prints the usage and asks for exit code 0 on --help', async () => {
    let output = '';
    const outcome = await runSimulatorCommand(['--help'], {}, (text) => {
      output += text;
    });
    expect(outcome).toEqual({ exitCode: 0 });
    expect(output).toContain('--rate-limit RPS');
  });

  it('sends asked-for help where the caller says, naming the command as it was run', async () => {
    let help = '';
    let progress = '';
    await runSimulatorCommand(['--help'], {}, (text) => (progress += text), {
      program: 'dspm-bridge simulator',
      writeHelp: (text) => (help += text),
    });
    expect(help).toMatch(/^usage: dspm-bridge simulator \[--port N\]/);
    expect(progress).toBe('');
  });
});

describe('startupMessage', () => {
  it('shows the default token, which is no secret', () => {
    const message = startupMessage('http://127.0.0.1:8080', 3, true);
    expect(message).toContain(
      'DSPM_TENANT_URL=http://127.0.0.1:8080 DSPM_ALLOW_ANY_HOST=true DSPM_API_TOKEN=simulator-token',
    );
  });

  it('never shows a token of its own and says where it comes from instead', () => {
    const message = startupMessage('http://127.0.0.1:8080', 3, false);
    expect(message).not.toContain('DSPM_API_TOKEN=');
    expect(message).toContain('the DSPM_API_TOKEN of this environment');
  });
});
