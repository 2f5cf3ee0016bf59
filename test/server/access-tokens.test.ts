/**
 * Access tokens: off by default; with a token file, WebSocket upgrades and HTTP streams need a
 * known token (Bearer header or ?token=), get 401 with the protocol's error body otherwise, are
 * limited per token, counted per token in /metrics, and the file is re-read on SIGHUP.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { parseTokenFile, presentedToken } from '../../src/server/access-tokens.js';
import { startStack, type Stack } from '../support/stack.js';
import { openStream } from '../support/http-stream-client.js';
import { waitFor, waitForAsync } from '../support/wait.js';

const OPS = 'ops-token-0123456789abcdef';
const CI = 'ci-token-0123456789abcdef';
const LATER = 'later-token-0123456789abcdef';

/** Status and body of a WebSocket upgrade refused over HTTP, or 101 once it opens. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ status: 101, body: '', ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('access token files', () => {
  it('reads one token per line, or JSON with names and limits', () => {
    const lines = parseTokenFile(`# consumers\n${OPS}\n\n  ${CI}  \n`);
    assert.equal(lines.size, 2);
    assert.ok([...lines.values()].every((g) => /^sha256:[0-9a-f]{12}$/.test(g.name) && g.maxConnections === null));
    const json = parseTokenFile(JSON.stringify([{ name: 'ops', token: OPS, maxConnections: 2 }, { name: 'ci', token: CI }]));
    assert.deepEqual([...json.values()], [{ name: 'ops', maxConnections: 2 }, { name: 'ci', maxConnections: null }]);
    assert.throws(() => parseTokenFile('short\n'), /at least 16/);
    assert.throws(() => parseTokenFile('# nothing\n'), /no tokens/);
    assert.throws(() => parseTokenFile(JSON.stringify([{ name: 'a', token: OPS }, { name: 'a', token: CI }])), /used twice/);
    assert.throws(() => parseTokenFile(JSON.stringify([{ name: 'a', token: OPS, extra: 1 }])));
  });

  it('takes the token from a Bearer header, else from ?token=', () => {
    assert.equal(presentedToken(`Bearer ${OPS}`, new URLSearchParams(`token=${CI}`)), OPS);
    assert.equal(presentedToken('', new URLSearchParams(`token=${CI}`)), CI);
    assert.equal(presentedToken('Basic abc', new URLSearchParams('')), null);
  });
});

describe('a server with access tokens', () => {
  let dir: string;
  let file: string;
  let stack: Stack;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certstream-tokens-'));
    file = join(dir, 'tokens.json');
    await writeFile(file, JSON.stringify([{ name: 'ops', token: OPS, maxConnections: 1 }, { name: 'ci', token: CI }]));
    stack = await startStack({ seed: 'tokens', rfc6962Logs: 1, tiledLogs: 0 }, { authTokensFile: file });
  });

  after(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses upgrades and streams without a known token with 401 and the error body', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-known-token-at-all' }]) {
      const refused = await upgrade(`ws://${stack.base}/domains-only`, headers);
      assert.equal(refused.status, 401);
      assert.equal((JSON.parse(refused.body) as { code: string }).code, 'unauthorized');
    }
    const stream = await openStream(`http://${stack.base}/domains-only?format=ndjson`);
    await waitFor('end', () => stream.ended);
    assert.equal(stream.status, 401);
    assert.equal(stream.events[0]!.message!.code, 'unauthorized');
    // The page and health stay public.
    assert.equal((await fetch(`http://${stack.base}/healthz`)).status, 200);
  });

  it('accepts a token in the header or the URL, limits it, and counts it in /metrics', async () => {
    const ops = await upgrade(`ws://${stack.base}/domains-only`, { authorization: `Bearer ${OPS}` });
    assert.equal(ops.status, 101);
    const second = await upgrade(`ws://${stack.base}/domains-only?token=${OPS}`);
    assert.equal(second.status, 429);
    assert.equal((JSON.parse(second.body) as { code: string }).code, 'too_many_connections_for_token');
    const ci = await openStream(`http://${stack.base}/domains-only?format=sse&token=${CI}`);
    assert.equal(ci.status, 200);
    await waitFor('subscribed', () => ci.messages('subscribed').length === 1);
    stack.appendNamed([['with.token.example']]);
    await waitFor('a certificate', () => ci.messages('dns_entries').length === 1);

    const metrics = await (await fetch(`http://${stack.base}/metrics`)).text();
    assert.match(metrics, /certstream_token_connections\{token="ops"\} 1\b/);
    assert.match(metrics, /certstream_token_connections\{token="ci"\} 1\b/);
    assert.match(metrics, /certstream_refused_connections_total\{code="unauthorized"\} [1-9]/);
    ops.ws!.close();
    ci.close();
    await waitFor('both closed', () => stack.server.connectionCounts()['domains-only'] === 0);
  });

  it('re-reads the file on SIGHUP, and keeps the old tokens when the new file is bad', async () => {
    await writeFile(file, `${LATER}\n`);
    process.kill(process.pid, 'SIGHUP');
    const statusWith = async (token: string): Promise<number> => {
      const s = await openStream(`http://${stack.base}/domains-only?format=ndjson&token=${token}`);
      s.close();
      return s.status;
    };
    await waitForAsync('the reloaded token accepted', async () => (await statusWith(LATER)) === 200, 10_000);
    assert.equal(await statusWith(CI), 401);

    await writeFile(file, '[not json');
    assert.equal(stack.server.reloadAccessTokens(), false);
    assert.equal(await statusWith(LATER), 200);
    await waitFor('streams closed', () => stack.server.connectionCounts()['domains-only'] === 0);
  });
});

describe('a server without access tokens', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ seed: 'no-tokens', rfc6962Logs: 1, tiledLogs: 0 });
  });
  after(async () => {
    await stack.close();
  });

  it('stays public, token or not', async () => {
    const open = await upgrade(`ws://${stack.base}/`);
    assert.equal(open.status, 101);
    open.ws!.close();
    const withToken = await upgrade(`ws://${stack.base}/?token=whatever`);
    assert.equal(withToken.status, 101);
    withToken.ws!.close();
    assert.equal(stack.server.reloadAccessTokens(), false);
  });
});
