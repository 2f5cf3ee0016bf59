/**
 * The ws fallback transport (src/server/transport/fallback/), forced with CERTSTREAM_TRANSPORT=ws
 * as it runs on a Node without a uWebSockets.js binary: /healthz, the HTTP endpoints, and how `serve`
 * announces the transport it picked or refuses one. The protocol flows themselves (channels, filters,
 * resume, SSE, eviction, limits, abuse, TLS) are the suites test/run.ts runs a second time on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadTransport, TRANSPORT_ENV } from '../../src/server/transport/index.js';
import { loadNativeUws } from '../../src/server/transport/native.js';
import { runCli } from '../support/process.js';
import { simulatorWithStateDir, startServe } from '../support/serve-process.js';
import { startStack, type Stack } from '../support/stack.js';

type Json = Record<string, unknown>;

describe('the ws fallback transport', () => {
  let stack: Stack;

  before(async () => {
    process.env[TRANSPORT_ENV] = 'ws';
    stack = await startStack({ seed: 'ws-transport' }, { maxBackpressure: 1024 * 1024 });
  });

  after(async () => {
    await stack.close();
  });

  it('is the transport in use, and says so in /healthz', async () => {
    assert.equal(loadTransport().name, 'ws');
    const health = (await (await fetch(`http://${stack.base}/healthz`)).json()) as Json;
    assert.equal(health.transport, 'ws');
  });

  it('answers the HTTP endpoints, HEAD without a body, and unknown paths with a JSON 404', async () => {
    await stack.appendNamedAndIngest([['a.ws-latest.example']]);
    const latest = await fetch(`http://${stack.base}/latest.json`);
    assert.equal(latest.status, 200);
    const body = Buffer.from(await latest.arrayBuffer());
    assert.ok(((JSON.parse(body.toString()) as { messages: unknown[] }).messages).length > 0);
    const head = await fetch(`http://${stack.base}/latest.json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    assert.equal(Number(head.headers.get('content-length')), body.length);
    const metrics = await fetch(`http://${stack.base}/metrics`);
    assert.match(await metrics.text(), /^certstream_backpressure_closes_total /m);
    const missing = await fetch(`http://${stack.base}/no-such-page?x=1`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'not_found', message: 'no such endpoint: GET /no-such-page' });
    const page = await fetch(`http://${stack.base}/`);
    assert.match(String(page.headers.get('content-type')), /^text\/html/);
  });
});

describe('serve and the transport it picks', () => {
  const fixture = simulatorWithStateDir({ seed: 'ws-transport-cli', rfc6962Logs: 1, tiledLogs: 0, initialEntries: 1 });
  const env = (transport: string | undefined): NodeJS.ProcessEnv => {
    const { [TRANSPORT_ENV]: _, ...rest } = process.env;
    return transport === undefined ? rest : { ...rest, [TRANSPORT_ENV]: transport };
  };
  const warnings = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('WARNING: certstream-ts'));

  it('announces the fallback once on stderr; unset, picks native uWS where its binary loads', { timeout: 60_000 }, async () => {
    let nativeLoads = true;
    try {
      loadNativeUws();
    } catch {
      nativeLoads = false;
    }
    for (const [transport, expected] of [['ws', 'ws'], [undefined, nativeLoads ? 'uws' : 'ws']] as const) {
      const served = await startServe(fixture.sim, fixture.stateDir, undefined, env(transport));
      try {
        const health = (await (await fetch(`http://127.0.0.1:${served.port}/healthz`)).json()) as Json;
        assert.equal(health.transport, expected, `${TRANSPORT_ENV}=${transport ?? '(unset)'}`);
        assert.equal(warnings(served.proc.stderr).length, expected === 'ws' ? 1 : 0, served.proc.stderr);
        if (expected === 'ws') {
          // Told once listening, ahead of the endpoint lines of the start-up summary.
          assert.ok(served.proc.stderr.indexOf('WARNING: certstream-ts') < served.proc.stderr.indexOf('certstream-ts serve: streaming on'), served.proc.stderr);
        }
      } finally {
        assert.equal(await served.proc.stop('SIGTERM'), 0);
      }
    }
  });

  it('on the fallback, still fails a start in one line: the warning waits until the server listens', async () => {
    const missing = `${fixture.stateDir}/no-such-log-list.json`;
    const proc = runCli(['serve', '--log-list', missing, '--port', '0', '--state-dir', fixture.stateDir], [], env('ws'));
    assert.equal(await proc.exited, 2, proc.stderr);
    assert.deepEqual(proc.stderr.trim().split('\n'), [`certstream-ts serve: cannot read the log list file ${missing}: no such file`]);
  });

  it('refuses an unknown transport with one line and exit 2', async () => {
    const proc = runCli(['serve', '--log-list', fixture.sim.logListUrl, '--port', '0', '--state-dir', fixture.stateDir], [], env('quic'));
    assert.equal(await proc.exited, 2, proc.stderr);
    assert.deepEqual(proc.stderr.trim().split('\n'), [
      `certstream-ts serve: ${TRANSPORT_ENV}=quic is not a transport: use uws (native uWebSockets.js) or ws (the fallback), or leave it unset`,
    ]);
  });
});
