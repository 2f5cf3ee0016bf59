/**
 * Every entry point of the command line, spawned for real: --help lists the options with their
 * defaults and exits 0 without starting anything; --version prints package.json's version; every
 * bad flag, bad value or unusable file is one line `certstream-ts <command>: ...` and exit 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BENCHMARKS } from '../../bench/benchmarks.js';
import { CLI } from '../support/process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BENCH = join(root, 'dist', 'bench', 'main.js');
const COMMANDS = ['serve', 'simulate', 'demo', 'watch'];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[]): Promise<Result> {
  const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const cli = (...args: string[]): Promise<Result> => run(CLI, args);

/** Exit 2 and exactly one line on stderr, starting with `prefix`. */
function assertOneLineUsageError(result: Result, prefix: string, pattern: RegExp, what: string): void {
  assert.equal(result.code, 2, `${what}: exit code (stderr: ${result.stderr})`);
  assert.equal(result.stderr.split('\n').filter((line) => line !== '').length, 1, `${what}: one line, got ${JSON.stringify(result.stderr)}`);
  assert.ok(result.stderr.startsWith(prefix), `${what}: ${JSON.stringify(result.stderr)} starts with ${prefix}`);
  assert.match(result.stderr, pattern, what);
}

describe('command line help, version and errors', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certstream-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('answers --help on the top-level command and every subcommand with its options, exit 0', async () => {
    const top = await cli('--help');
    assert.equal(top.code, 0, top.stderr);
    for (const name of COMMANDS) assert.match(top.stdout, new RegExp(`^\\s+${name} `, 'm'), `${name} listed`);
    const results = await Promise.all(COMMANDS.map((name) => cli(name, '--help')));
    results.forEach((result, i) => {
      assert.equal(result.code, 0, `${COMMANDS[i]} --help: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: certstream-ts ${COMMANDS[i]} \\[options\\]`), `${COMMANDS[i]} usage`);
      assert.match(result.stdout, /--port <port>|--url <url>/, `${COMMANDS[i]} options`);
      assert.match(result.stdout, /\(default: /, `${COMMANDS[i]} defaults`);
    });
  });

  it('answers --help on every benchmark with its options and defaults, exit 0, running nothing', async () => {
    const names = Object.keys(BENCHMARKS);
    const results = await Promise.all(names.map((name) => run(BENCH, [name, '--help'])));
    results.forEach((result, i) => {
      assert.equal(result.code, 0, `bench ${names[i]} --help: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^usage: npm run bench -- ${names[i]} \\[options\\]\\n`), `bench ${names[i]} usage`);
      assert.match(result.stdout, /^ {2}--[a-z-]+ .*\(.*default: [^)]+\)$/m, `bench ${names[i]} lists an option with its default`);
      assert.doesNotMatch(result.stdout, /Infinity|NaN|undefined/, `bench ${names[i]} help`);
    });
    const list = await run(BENCH, ['--help']);
    assert.equal(list.code, 0);
    for (const name of names) assert.ok(list.stdout.includes(name), `${name} in bench --help`);
  });

  it('prints the version of package.json with --version and -V', async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await cli(flag);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it('reports a bad flag or value of any command in one line, exit 2', async () => {
    const cases: [string[], string, RegExp][] = [
      [['serve', '--bogus'], 'certstream-ts serve: ', /unknown option '--bogus'/],
      [['serve', '--port', 'eighty'], 'certstream-ts serve: ', /--port: must be a whole number between 0 and 65535/],
      [['serve', '--idle-timeout', '10'], 'certstream-ts serve: ', /--idle-timeout: must be a multiple of 4/],
      [['serve', '--tls-cert', join(dir, 'cert.pem')], 'certstream-ts serve: ', /--tls-cert and --tls-key go together/],
      [['demo', '--bogus'], 'certstream-ts demo: ', /unknown option '--bogus'/],
      [['demo', '--port', 'x'], 'certstream-ts demo: ', /--port: must be a whole number between 0 and 65535/],
      [['demo', '--rate', '0'], 'certstream-ts demo: ', /--rate: must be a whole number of at least 1/],
      [['simulate', '--rfc6962-logs', 'many'], 'certstream-ts simulate: ', /--rfc6962-logs: must be a whole number/],
      [['watch', '--count', 'x'], 'certstream-ts watch: ', /--count .*must be a positive whole number/],
      [['launch'], 'certstream-ts: ', /unknown command 'launch'/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((result, i) => assertOneLineUsageError(result, cases[i]![1], cases[i]![2], cases[i]![0].join(' ')));
    const bench = await Promise.all([run(BENCH, ['hot', '--seconds-per-row', 'x']), run(BENCH, ['load', '--bogus']), run(BENCH, ['history', '--mode', 'x'])]);
    assertOneLineUsageError(bench[0], 'bench hot: ', /--seconds-per-row must be a number/, 'bench hot --seconds-per-row x');
    assertOneLineUsageError(bench[1], 'bench load: ', /--bogus/, 'bench load --bogus');
    assertOneLineUsageError(bench[2], 'bench history: ', /--mode must be one of compact, objects, compressed, all/, 'bench history --mode x');
  });

  it('names a missing file given to serve, without blaming the network', async () => {
    const missing = join(dir, 'missing.json');
    const base = ['serve', '--port', '0', '--host', '127.0.0.1', '--state-dir', join(dir, 'state')];
    const cases: [string[], RegExp][] = [
      [['--log-list', missing], new RegExp(`log list file ${missing}: no such file$`, 'm')],
      [['--config', missing], new RegExp(`config file ${missing}: no such file$`, 'm')],
      [['--auth-tokens', missing, '--log-list', missing], new RegExp(`--auth-tokens ${missing}: no such file$`, 'm')],
      [['--tls-cert', missing, '--tls-key', missing, '--log-list', missing], new RegExp(`--tls-cert ${missing}: no such file$`, 'm')],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...base, ...args)));
    results.forEach((result, i) => {
      assertOneLineUsageError(result, 'certstream-ts serve: ', cases[i]![1], cases[i]![0].join(' '));
      assert.doesNotMatch(result.stderr, /internet|npm run demo|ENOENT/, 'the hint fits a local file');
    });
  });
});
