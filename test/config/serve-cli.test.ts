/** The real `certstream-ts serve` command: its --help, its config errors, and a start configured without flags. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultText, describeOptions } from '../../src/config/option.js';
import { SERVE_ENV_PREFIX, serveConfigSchema } from '../../src/config/serve-schema.js';
import { CLI } from '../support/process.js';
import { simulatorWithStateDir } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../support/free-port.js';
import { connectRecording } from '../support/ws-client.js';

interface Run {
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
  kill(): Promise<number | null>;
}

/** `certstream-ts serve ...` with exactly the given environment (plus PATH), not the test's own. */
function serve(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  const run: Run = {
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return run.exited;
    },
  };
  child.stdout.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return run;
}

describe('serve command configuration', () => {
  const fixture = simulatorWithStateDir({ seed: 'config-cli', rfc6962Logs: 1, tiledLogs: 1 });

  it('lists every option in --help with its default and env var', async () => {
    const run = serve(['--help']);
    assert.equal(await run.exited, 0);
    const help = run.stdout.replace(/\s+/g, ' ');
    for (const option of describeOptions(serveConfigSchema, SERVE_ENV_PREFIX)) {
      const placeholder = `${option.flag} <${option.meta.valueName ?? 'value'}>`;
      assert.ok(help.includes(placeholder), `${placeholder} in help`);
      const shown = defaultText(option);
      const expected = shown === undefined ? `env: ${option.env})` : `(default: ${shown}, env: ${option.env})`;
      assert.ok(help.includes(expected), `${expected} in help`);
    }
    assert.ok(help.includes('--config <file>') && help.includes('CERTSTREAM_CONFIG'));
  });

  it('exits 2 and names each bad source', async () => {
    const run = serve(['--role', 'boss'], { CERTSTREAM_PORT: 'eighty' });
    assert.equal(await run.exited, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^certstream-ts serve: invalid configuration: /);
    assert.match(run.stderr, /CERTSTREAM_PORT: must be a whole number between 0 and 65535/);
    assert.match(run.stderr, /--role: must be one of all, ingest, edge/);
  });

  it('exits 2 on an unknown flag, with one line and no help dump', async () => {
    const run = serve(['--prot', '1']);
    assert.equal(await run.exited, 2);
    assert.match(run.stderr, /^certstream-ts serve: unknown option '--prot'.*\(see certstream-ts serve --help\)\n$/);
  });

  it('starts from env vars and a config file alone, listening on the configured port, logging JSON', async () => {
    const port = await freePort();
    const file = join(fixture.stateDir, 'serve.json');
    await writeFile(file, JSON.stringify({ logList: fixture.sim.logListUrl, host: '127.0.0.1', port: 1, pollInterval: 100 }));
    // The env port beats the file's; the file supplies the rest.
    const run = serve(['--max-keywords', '2'], {
      CERTSTREAM_CONFIG: file,
      CERTSTREAM_PORT: String(port),
      CERTSTREAM_STATE_DIR: fixture.stateDir,
      CERTSTREAM_LOG_LEVEL: 'debug',
    });
    try {
      await waitFor('listening', () => run.stderr.includes('streaming on') || run.stderr.includes('invalid'));
      assert.match(run.stderr, new RegExp(`streaming on ws://127\\.0\\.0\\.1:${port}/`));
      assert.match(run.stderr, new RegExp(`status at http://127\\.0\\.0\\.1:${port}/healthz, Prometheus metrics at /metrics`));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status < 500, true, `healthz answered ${health.status}`);
      await health.arrayBuffer();
      // A protocol limit set by flag reaches the server.
      const client = await connectRecording(`ws://127.0.0.1:${port}/`);
      client.socket.send(JSON.stringify({ type: 'subscribe', id: 'three', keywords: ['a', 'b', 'c'] }));
      await waitFor('the refusal', () => client.messages.some((m) => (m as { message_type?: string }).message_type === 'error'));
      assert.equal((client.messages.find((m) => (m as { message_type?: string }).message_type === 'error') as { code: string }).code, 'too_many_patterns');
      await client.close();
    } finally {
      assert.equal(await run.kill(), 0, run.stderr);
    }
    assert.match(run.stderr, /"level":"info".*"msg":"following 2 logs \(1 rfc6962, 1 static-ct\)"/);
    assert.match(run.stderr, /"level":"debug".*"msg":"following log"/);
    // Not a terminal, so auto = JSON lines with a level label and an ISO time.
    const logLines = run.stderr.split('\n').filter((line) => line.startsWith('{'));
    assert.ok(logLines.length > 0, run.stderr);
    for (const line of logLines) {
      const entry = JSON.parse(line) as { level: unknown; time: unknown; msg: unknown };
      assert.ok(['debug', 'info', 'warn', 'error'].includes(entry.level as string), line);
      assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof entry.msg, 'string');
    }
  });
});
