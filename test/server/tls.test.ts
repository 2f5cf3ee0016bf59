/** TLS: with --tls-cert/--tls-key the server speaks https and wss, checked by real TLS clients trusting the test's CA. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import WebSocket from 'ws';
import { StreamServer } from '../../src/server/server.js';
import { TlsSetupError } from '../../src/server/tls.js';
import { startStack, type Stack } from '../support/stack.js';
import { makeTestCertificate, type TestCertificate } from '../support/tls-cert.js';
import { waitFor } from '../support/wait.js';

function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  let dir: string;
  let cert: TestCertificate;
  let stack: Stack;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certstream-tls-'));
    cert = await makeTestCertificate(dir);
    stack = await startStack({ seed: 'tls', rfc6962Logs: 1, tiledLogs: 0 }, { tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
  });

  after(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves https to a client that trusts the certificate, and refuses one that does not', async () => {
    const health = await httpsGet(`https://${stack.base}/healthz`, cert.certPem);
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
    const dispatcher = new Agent({ connect: { ca: cert.certPem } });
    const fetched = await undiciFetch(`https://${stack.base}/latest.json`, { dispatcher });
    assert.equal(fetched.status, 200);
    assert.ok(Array.isArray(((await fetched.json()) as { messages: unknown }).messages));
    await dispatcher.close();
    await assert.rejects(
      new Promise((resolve, reject) => request(`https://${stack.base}/healthz`, resolve).on('error', reject).end()),
      /self[- ]signed|unable to verify/i,
    );
  });

  it('streams wss to a ws client trusting the certificate', async () => {
    const ws = new WebSocket(`wss://${stack.base}/domains-only`, { ca: cert.certPem });
    const messages: { message_type: string; data?: string[] }[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as { message_type: string }));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await waitFor('the connection counted', () => stack.server.connectionCounts()['domains-only'] === 1);
    stack.appendNamed([['over.tls.example']]);
    await waitFor('the certificate', () => messages.some((m) => m.message_type === 'dns_entries'));
    assert.deepEqual(messages.find((m) => m.message_type === 'dns_entries')!.data, ['over.tls.example']);
    ws.close();
  });

  it('streams SSE over https', async () => {
    const events: string[] = [];
    const req = request(`https://${stack.base}/domains-only?keywords=sse-tls`, { ca: cert.certPem, headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => events.push(chunk));
    });
    req.end();
    await waitFor('subscribed', () => events.join('').includes('"message_type":"subscribed"'));
    stack.appendNamed([['a.sse-tls.example']]);
    await waitFor('the event', () => /id: \d+\ndata: \{"message_type":"dns_entries","data":\["a\.sse-tls\.example"\]/.test(events.join('')));
    req.destroy();
  });

  it('refuses to start with an unreadable or unusable key file', async () => {
    assert.throws(() => new StreamServer({ status: () => [], tls: { certFile: cert.certFile, keyFile: join(dir, 'missing.pem') } }), TlsSetupError);
    const junk = join(dir, 'junk.pem');
    await writeFile(junk, 'not a key\n');
    assert.throws(() => new StreamServer({ status: () => [], tls: { certFile: cert.certFile, keyFile: junk } }), TlsSetupError);
  });
});
