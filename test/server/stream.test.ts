/**
 * The real server (uWebSockets.js on loopback) fed by the real simulator: message shapes on all
 * three channels, compared with the real CertStream sample, plus the HTTP endpoints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFixture, sharedFixtures } from '../support/fixtures.js';
import { skipWithout } from '../support/requirements.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;

const isUpdate = (m: unknown): m is { message_type: 'certificate_update'; data: Json } =>
  (m as Json).message_type === 'certificate_update';

describe('stream server', () => {
  let stack: Stack;
  let base: string;
  const clients: Record<string, RecordingClient> = {};

  before(async () => {
    stack = await startStack({ seed: 'server-test' }, { heartbeatMs: 300 });
    base = stack.base;
    for (const path of ['/', '/full-stream', '/domains-only']) clients[path] = await connectRecording(`ws://${base}${path}`);
    stack.sim.append(30);
    await waitFor('60 updates on every channel', () =>
      Object.values(clients).every((c) => c.messages.filter((m) => (m as Json).message_type !== 'heartbeat').length === 60),
    );
  });

  after(async () => {
    await Promise.all(Object.values(clients).map((c) => c.close()));
    await stack.close();
  });

  it('sends full certificate_update messages with DER on /full-stream', () => {
    const updates = clients['/full-stream']!.messages.filter(isUpdate);
    assert.equal(updates.length, 60);
    for (const { data } of updates) {
      const leaf = data.leaf_cert as Json;
      assert.equal(typeof leaf.as_der, 'string');
      assert.ok((leaf.all_domains as string[]).length > 0);
      for (const c of data.chain as Json[]) {
        assert.equal(typeof c.as_der, 'string');
        assert.equal('all_domains' in c, false, 'chain elements have no all_domains');
      }
      assert.match(String(data.update_type), /^(X509LogEntry|PrecertLogEntry)$/);
      assert.equal(typeof data.seq, 'number');
    }
  });

  it('sends the same updates without chain, DER or cert_key on /, as the reference servers', () => {
    const full = clients['/full-stream']!.messages.filter(isUpdate);
    const lite = clients['/']!.messages.filter(isUpdate);
    assert.equal(lite.length, full.length);
    let sctsSeen = 0;
    lite.forEach(({ data }, i) => {
      assert.equal(JSON.stringify(data).includes('as_der'), false);
      assert.equal('chain' in data, false, 'no chain on lite');
      assert.equal('cert_key' in data, false, 'no cert_key on lite');
      const { leaf_cert: fullLeaf, chain: fullChain, cert_key: key, ...fullRest } = full[i]!.data;
      const { leaf_cert: liteLeaf, ...liteRest } = data;
      assert.ok((fullChain as Json[]).length > 0, 'the full message has the chain');
      assert.match(key as string, /^[0-9a-f]{64}$/, 'the full message has cert_key');
      assert.deepEqual(liteRest, fullRest);
      const { as_der: _der, extensions: fullExtensions, ...leafRest } = fullLeaf as Json;
      const { ctlSignedCertificateTimestamp: scts, ...liteExtensions } = fullExtensions as Json;
      assert.deepEqual(liteLeaf, { ...leafRest, extensions: liteExtensions }, 'the full leaf without as_der and the SCT list');
      if (scts !== undefined) sctsSeen++;
    });
    assert.ok(sctsSeen > 0, 'some full messages had an SCT list that lite left out');
  });

  it('sends dns_entries on /domains-only matching the leaf domains', () => {
    const full = clients['/full-stream']!.messages.filter(isUpdate);
    const domains = clients['/domains-only']!.messages.filter((m) => (m as Json).message_type === 'dns_entries');
    assert.deepEqual(
      domains.map((m) => (m as Json).data),
      full.map(({ data }) => (data.leaf_cert as Json).all_domains),
    );
  });

  it('sends heartbeats on every connection', async () => {
    await waitFor('a heartbeat everywhere', () =>
      Object.values(clients).every((c) => c.messages.some((m) => (m as Json).message_type === 'heartbeat')),
    );
    const beat = clients['/']!.messages.find((m) => (m as Json).message_type === 'heartbeat') as Json;
    assert.ok(Math.abs((beat.timestamp as number) - Date.now() / 1000) < 60);
  });

  it('has the shape of the real CertStream message', { skip: skipWithout(sharedFixtures) }, () => {
    const sample = JSON.parse(readFixture('certstream/calidog-example-certificate_update.json').toString()) as { data: Json };
    const ours = clients['/full-stream']!.messages.filter(isUpdate)[0]!.data;
    const keys = (o: unknown): string[] => Object.keys(o as Json).sort();
    for (const key of keys(sample.data)) assert.ok(key in ours, `data.${key}`);
    const sampleLeaf = sample.data.leaf_cert as Json;
    const ourLeaf = ours.leaf_cert as Json;
    for (const key of keys(sampleLeaf)) assert.ok(key in ourLeaf, `leaf_cert.${key}`);
    assert.deepEqual(keys(ourLeaf.subject), keys(sampleLeaf.subject));
    for (const key of ['sha1', 'sha256', 'signature_algorithm', 'is_ca', 'issuer', 'as_der']) assert.ok(key in ourLeaf, key);
    const sampleChainKeys = keys((sample.data.chain as Json[])[0]);
    for (const c of ours.chain as Json[]) for (const key of sampleChainKeys) assert.ok(key in c, `chain.${key}`);
    assert.deepEqual(keys(ours.source), keys(sample.data.source));
    assert.equal(typeof ours.seen, 'number');
    assert.equal(typeof ours.cert_index, 'number');
  });

  it('serves /healthz, /example.json, /latest.json, /metrics and JSON 404s', async () => {
    const health = (await (await fetch(`http://${base}/healthz`)).json()) as { logs: { next: number }[] };
    assert.equal(health.logs.length, 2);
    const example = (await (await fetch(`http://${base}/example.json`)).json()) as Json;
    assert.equal(example.message_type, 'certificate_update');
    const latest = (await (await fetch(`http://${base}/latest.json`)).json()) as { messages: Json[] };
    assert.ok(latest.messages.length > 0);
    const metrics = await (await fetch(`http://${base}/metrics`)).text();
    assert.equal(metrics.match(/^certstream_log_entries_total\{log="[^"]+"\} 30$/gm)?.length, 2, metrics);
    assert.match(metrics, /^certstream_connections\{channel="full"\} 1$/m);
    assert.match(metrics, /^certstream_messages_sent_total\{channel="domains-only"\} 60$/m);
    assert.match(metrics, /^certstream_log_lag_entries\{log="[^"]+"\} 0$/m);
    assert.match(metrics, /^certstream_log_entries_per_second\{log="[^"]+"\} /m);
    const missing = await fetch(`http://${base}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as Json).error, 'not_found');
  });
});
