/**
 * Cross-log de-duplication end to end: the seeded simulator re-logs certificates in other logs and
 * logs final certificates after their precertificates. The unfiltered stream is the oracle: each
 * message's duplicate_of must be the seq of the first message with its cert_key, and dedupe
 * subscriptions (WS subscribe, URL, resumed with since) must get exactly the first sightings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;
const ofType = (c: RecordingClient, type: string): Json[] => c.messages.filter((m) => (m as Json).message_type === type) as Json[];
const certs = (c: RecordingClient): Json[] => ofType(c, 'certificate_update');
const data = (m: Json): Json => m.data as Json;

async function reply(c: RecordingClient, message: Json, type: string): Promise<Json> {
  const before = ofType(c, type).length;
  c.socket.send(JSON.stringify(message));
  await waitFor(type, () => ofType(c, type).length > before, 10_000);
  return ofType(c, type)[before]!;
}

/** A ping round trip: everything published before it has been received. */
const barrier = (c: RecordingClient): Promise<Json> => reply(c, { type: 'ping', id: 'barrier' }, 'pong');

describe('de-duplication', () => {
  let stack: Stack;
  let all: RecordingClient;
  let lite: RecordingClient;
  let epoch: string;
  const clients: RecordingClient[] = [];

  before(async () => {
    stack = await startStack({ seed: 'dedupe-e2e', rfc6962Logs: 2, tiledLogs: 1, duplicateShare: 0.4, finalShare: 0.5 });
    all = await connectRecording(`ws://${stack.base}/full-stream`);
    lite = await connectRecording(`ws://${stack.base}/`);
    clients.push(all, lite);
    epoch = (await reply(all, { type: 'subscribe', id: 'all', channel: 'full' }, 'subscribed')).epoch as string;
    await reply(lite, { type: 'subscribe', id: 'lite' }, 'subscribed');
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  /** Appends to every log and waits until the unfiltered subscriber has every new event. */
  async function appendAll(perLog: number): Promise<void> {
    const before = certs(all).length;
    stack.sim.append(perLog);
    await waitFor('delivered', () => certs(all).length >= before + perLog * stack.sim.logs.length, 60_000);
  }

  /** duplicate_of as the oracle computes it from the stream order. */
  function expectedDuplicates(messages: Json[]): Map<number, number | undefined> {
    const first = new Map<string, number>();
    const expected = new Map<number, number | undefined>();
    for (const m of messages) {
      const { seq, cert_key: key } = data(m) as { seq: number; cert_key: string };
      expected.set(seq, first.get(key));
      if (!first.has(key)) first.set(key, seq);
    }
    return expected;
  }

  it('marks every repeat with its first sighting; dedupe subscriptions get exactly the first sightings, also resumed', async () => {
    const ws = await connectRecording(`ws://${stack.base}/`);
    const url = await connectRecording(`ws://${stack.base}/domains-only?dedupe=1`);
    const filtered = await connectRecording(`ws://${stack.base}/`);
    clients.push(ws, url, filtered);
    await reply(ws, { type: 'subscribe', id: 'd', dedupe: true, channel: 'full' }, 'subscribed');
    await reply(filtered, { type: 'subscribe', id: 'f', dedupe: true, regex: ['[aeiou]'] }, 'subscribed');
    await barrier(url);
    const startSeq = stack.ingest.lastSeq;

    await appendAll(60);
    for (const c of [ws, url, filtered, lite]) await barrier(c);

    const stream = certs(all).filter((m) => (data(m).seq as number) > startSeq);
    const expected = expectedDuplicates(stream);
    let repeats = 0;
    let finals = 0;
    const keysByFirst = new Map<number, Json>();
    for (const m of stream) {
      const d = data(m);
      assert.match(d.cert_key as string, /^[0-9a-f]{64}$/);
      assert.equal(d.duplicate_of, expected.get(d.seq as number), `seq ${d.seq as number}`);
      if (d.duplicate_of === undefined) keysByFirst.set(d.seq as number, d);
      else {
        repeats++;
        if (d.update_type === 'X509LogEntry' && keysByFirst.get(d.duplicate_of)?.update_type === 'PrecertLogEntry') finals++;
      }
    }
    assert.ok(repeats > 10, `repeats ${repeats}`);
    assert.ok(finals > 0, 'some final certificates followed their precertificates');
    const liteStream = certs(lite).filter((m) => (data(m).seq as number) > startSeq);
    assert.deepEqual(liteStream.map((m) => [data(m).seq, data(m).duplicate_of]), stream.map((m) => [data(m).seq, data(m).duplicate_of]), 'lite: the same duplicate_of');
    assert.ok(liteStream.every((m) => !('cert_key' in data(m))), 'lite leaves cert_key out');

    const firstSeqs = stream.filter((m) => data(m).duplicate_of === undefined).map((m) => data(m).seq as number);
    assert.deepEqual(certs(ws).map((m) => data(m).seq), firstSeqs, 'subscribe dedupe: every first sighting, no repeat');
    const domains = ofType(url, 'dns_entries');
    assert.deepEqual(domains.map((m) => m.seq), firstSeqs, '?dedupe=1');
    assert.ok(domains.every((m) => typeof m.cert_key === 'string' && m.duplicate_of === undefined));
    const matching = stream.filter((m) => data(m).duplicate_of === undefined && ((data(m).leaf_cert as Json).all_domains as string[]).some((n) => /[aeiou]/.test(n)));
    assert.deepEqual(certs(filtered).map((m) => data(m).seq), matching.map((m) => data(m).seq), 'dedupe with a regex');

    // A client coming back with since gets from the history what the live subscription got.
    const resumed = await connectRecording(`ws://${stack.base}/`);
    clients.push(resumed);
    const sub = await reply(resumed, { type: 'subscribe', id: 'd', dedupe: true, channel: 'full', since: { seq: startSeq, epoch } }, 'subscribed');
    assert.equal(sub.recovered, true);
    await waitFor('replay', () => certs(resumed).length >= firstSeqs.length);
    await barrier(resumed);
    assert.deepEqual(certs(resumed).map((m) => data(m).seq), firstSeqs, 'replay with since');
    assert.deepEqual(
      certs(resumed).map((m) => data(m).cert_key),
      certs(ws).map((m) => data(m).cert_key),
    );

    const health = (await (await fetch(`http://${stack.base}/healthz`)).json()) as { dedupe: { duplicates: Record<string, Record<string, number>>; keys: number } };
    const counted = Object.values(health.dedupe.duplicates).reduce((n, r) => n + r.same_entry! + r.final_after_precert!, 0);
    const allRepeats = certs(all).filter((m) => data(m).duplicate_of !== undefined).length;
    assert.equal(counted, allRepeats);
    assert.equal(health.dedupe.keys, certs(all).length - allRepeats);
    const metrics = await (await fetch(`http://${stack.base}/metrics`)).text();
    assert.match(metrics, /certstream_duplicates_total\{log="[^"]+",reason="final_after_precert"\} [1-9]/);
    assert.match(metrics, /certstream_dedupe\{kind="keys"\} [1-9]/);
  });
});
