/**
 * Server-Sent Events and NDJSON on the channel paths: URL filters, SSE ids and resume with
 * Last-Event-ID (or since/epoch), refusals as JSON, the page still at GET /, and eviction of a
 * stream that never reads.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { openStream, type StreamClient } from '../support/http-stream-client.js';

describe('SSE and NDJSON streams', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ seed: 'http-streams', rfc6962Logs: 1, tiledLogs: 0 }, { historyMaxEvents: 1_000 });
  });

  after(async () => {
    await stack.close();
  });

  const domains = (c: StreamClient): string[] => c.messages('dns_entries').map((m) => (m.data as string[])[0]!);

  it('streams NDJSON, unfiltered and untagged, after a subscribed line', async () => {
    const client = await openStream(`http://${stack.base}/domains-only`, { accept: 'application/x-ndjson' });
    assert.equal(client.status, 200);
    assert.equal(client.headers['content-type'], 'application/x-ndjson');
    await waitFor('subscribed', () => client.events.length >= 1);
    const first = client.events[0]!.message!;
    assert.equal(first.message_type, 'subscribed');
    assert.equal(first.epoch, stack.server.epoch);
    await stack.appendNamedAndIngest([['one.ndjson.example'], ['two.ndjson.example']]);
    await waitFor('two entries', () => domains(client).length === 2);
    assert.deepEqual(domains(client), ['one.ndjson.example', 'two.ndjson.example']);
    assert.ok(client.messages('dns_entries').every((m) => m.subscription === undefined));
    client.close();
  });

  it('filters SSE by keywords and regex, each event with id: <seq>', async () => {
    const client = await openStream(`http://${stack.base}/domains-only?keywords=paypal&regex=%5Elogin%5C.`, { accept: 'text/event-stream' });
    assert.equal(client.status, 200);
    assert.match(String(client.headers['content-type']), /^text\/event-stream/);
    await waitFor('subscribed', () => client.messages('subscribed').length === 1);
    await stack.appendNamedAndIngest([['www.paypal.example'], ['nothing.example'], ['login.bank.example'], ['mail.bank.example']]);
    await waitFor('two matches', () => domains(client).length === 2);
    assert.deepEqual(domains(client), ['www.paypal.example', 'login.bank.example']);
    const certEvents = client.events.filter((e) => e.message?.message_type === 'dns_entries');
    for (const event of certEvents) {
      assert.equal(event.id, String(event.message!.seq));
      assert.equal(event.message!.subscription, 'url');
    }
    client.close();
  });

  it('resumes an SSE stream with Last-Event-ID: exactly what was missed, then live', async () => {
    const first = await openStream(`http://${stack.base}/domains-only?keywords=resume`, { accept: 'text/event-stream' });
    await waitFor('subscribed', () => first.messages('subscribed').length === 1);
    await stack.appendNamedAndIngest([['a.resume.example'], ['x.example']]);
    await waitFor('first match', () => domains(first).length === 1);
    const lastId = first.events.filter((e) => e.id !== undefined).at(-1)!.id!;
    first.close();

    await stack.appendNamedAndIngest([['b.resume.example'], ['y.example'], ['c.resume.example']]);
    const second = await openStream(`http://${stack.base}/domains-only?keywords=resume`, { accept: 'text/event-stream', 'last-event-id': lastId });
    await waitFor('subscribed', () => second.messages('subscribed').length === 1);
    assert.equal(second.messages('subscribed')[0]!.recovered, true);
    await stack.appendNamedAndIngest([['d.resume.example']]);
    await waitFor('replay and live', () => domains(second).length === 3);
    assert.deepEqual(domains(second), ['b.resume.example', 'c.resume.example', 'd.resume.example']);
    second.close();
  });

  it('gives a ?dedupe=1 stream first sightings only, live and resumed', async () => {
    const head = await openStream(`http://${stack.base}/domains-only?format=ndjson&dedupe=1`);
    await waitFor('subscribed', () => head.messages('subscribed').length === 1);
    const seq = head.messages('subscribed')[0]!.seq as number;
    const again = stack.sim.factory.precertificate({ dnsNames: ['again.dedupe-stream.example'] });
    const marker = stack.sim.factory.precertificate({ dnsNames: ['marker.dedupe-stream.example'] });
    stack.sim.appendCertificates(stack.sim.logs[0]!.slug, [again, again.finalCertificate!(), again, marker]);
    await stack.ingested();
    const expected = ['again.dedupe-stream.example', 'marker.dedupe-stream.example'];
    await waitFor('marker', () => domains(head).includes(expected[1]!));
    assert.deepEqual(domains(head), expected, 'live: the repeats and the final certificate left out');
    head.close();

    const resumed = await openStream(`http://${stack.base}/domains-only?format=ndjson&dedupe=1&since=${seq}&epoch=${stack.server.epoch}`);
    await waitFor('replayed', () => domains(resumed).includes(expected[1]!));
    assert.equal(resumed.messages('subscribed')[0]!.recovered, true);
    assert.deepEqual(domains(resumed), expected, 'replay: the same first sightings');
    resumed.close();
  });

  it('resumes NDJSON with since and epoch, and says when it cannot', async () => {
    const newest = stack.server.epoch;
    const head = await openStream(`http://${stack.base}/domains-only?format=ndjson`);
    await waitFor('subscribed', () => head.messages('subscribed').length === 1);
    const seq = head.messages('subscribed')[0]!.seq as number;
    head.close();
    await stack.appendNamedAndIngest([['after.since.example']]);
    const resumed = await openStream(`http://${stack.base}/domains-only?format=ndjson&since=${seq}&epoch=${newest}`);
    await waitFor('replayed', () => domains(resumed).length === 1);
    assert.equal(resumed.messages('subscribed')[0]!.recovered, true);
    assert.deepEqual(domains(resumed), ['after.since.example']);
    resumed.close();

    const other = await openStream(`http://${stack.base}/domains-only?format=ndjson&since=${seq}&epoch=not-this-one`);
    await waitFor('subscribed', () => other.messages('subscribed').length === 1);
    const answer = other.messages('subscribed')[0]!;
    assert.equal(answer.recovered, false);
    assert.equal(typeof answer.oldest_seq, 'number');
    other.close();
  });

  it('refuses bad filters and bad resume points with a JSON 400; plain GETs are not streams', async () => {
    const badRegex = await openStream(`http://${stack.base}/domains-only?regex=(`, { accept: 'text/event-stream' });
    await waitFor('end', () => badRegex.ended);
    assert.equal(badRegex.status, 400);
    assert.equal(badRegex.events[0]!.message!.code, 'invalid_regex');
    const badSince = await openStream(`http://${stack.base}/?format=ndjson&since=abc`);
    await waitFor('end', () => badSince.ended);
    assert.equal(badSince.status, 400);
    assert.equal(badSince.events[0]!.message!.code, 'invalid_field');

    const page = await fetch(`http://${stack.base}/`);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    await page.text();
    const notStream = await fetch(`http://${stack.base}/full-stream`);
    assert.equal(notStream.status, 404);
    await notStream.text();
  });

  it('counts streams as connections in /metrics and /healthz', async () => {
    const client = await openStream(`http://${stack.base}/full-stream`, { accept: 'text/event-stream' });
    await waitFor('subscribed', () => client.messages('subscribed').length === 1);
    const metrics = await (await fetch(`http://${stack.base}/metrics`)).text();
    assert.match(metrics, /certstream_http_streams\{format="sse"\} 1\b/);
    assert.match(metrics, /certstream_connections\{channel="full"\} 1\b/);
    client.close();
    await waitFor('stream closed', () => stack.server.connectionCounts().full === 0);
  });
});

describe('a stream that never reads', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ seed: 'http-slow', rfc6962Logs: 1, tiledLogs: 0 }, { maxBackpressure: 256 * 1024 });
  });

  after(async () => {
    await stack.close();
  });

  it('is evicted and told why once it reads again, while a reading stream gets everything', async () => {
    const healthy = await openStream(`http://${stack.base}/full-stream`, { accept: 'application/x-ndjson' });
    const slow = connect(Number(stack.base.split(':')[1]), '127.0.0.1');
    await new Promise((resolve) => slow.once('connect', resolve));
    slow.write(`GET /full-stream HTTP/1.1\r\nHost: ${stack.base}\r\nAccept: text/event-stream\r\n\r\n`);
    slow.pause();
    await waitFor('both streams open', () => stack.server.connectionCounts().full === 2);
    // ~4 KB per full message: 2,000 of them (~8 MB) are far beyond 256 KiB plus the kernel's buffers.
    stack.sim.append(2_000);
    await waitFor('the healthy stream to get everything', () => healthy.messages('certificate_update').length === 2_000, 60_000);
    const metrics = async (): Promise<string> => (await fetch(`http://${stack.base}/metrics`)).text();
    await waitForAsync('the eviction in /metrics', async () => /certstream_backpressure_closes_total 1\b/.test(await metrics()), 10_000);
    // Reading again, it gets what was buffered, then the reason, then the end of the response.
    let received = '';
    slow.setEncoding('utf8');
    slow.on('data', (chunk: string) => (received += chunk));
    slow.resume();
    await waitFor('the closed message', () => received.includes('"message_type":"closed"'), 20_000);
    assert.match(received, /data: \{"message_type":"closed","code":4008,"reason":"backpressure"\}\n\n/);
    await waitFor('stream gone', () => stack.server.connectionCounts().full === 1);
    slow.destroy();
    healthy.close();
  });
});
