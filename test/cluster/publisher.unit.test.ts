/**
 * The ingest side's StreamPublisher over a stand-in for JetStream's publish (no nats-server): the
 * subject and message id of each entry, counting what another ingester stored first, retrying a
 * failed publish with the same id, and giving up only when stopped.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { JetStreamClient, JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import { decodeEnvelope } from '../../src/cluster/envelope.js';
import { clusterNames } from '../../src/cluster/names.js';
import { StreamPublisher } from '../../src/cluster/publisher.js';
import type { LogDescriptor } from '../../src/ct/log-list.js';
import type { CertEvent } from '../../src/ingest/event.js';
import { silentLogger } from '../../src/util/logger.js';
import { CertCache } from '../../src/x509/cert-cache.js';
import { simulatedEvent } from '../support/events.js';
import { waitFor } from '../support/wait.js';

interface Attempt {
  subject: string;
  msgID: string | undefined;
  data: Uint8Array;
}

/**
 * JetStream's publish as far as the publisher sees it: each attempt is recorded; the first
 * `failures` attempts fail; a message id stored before is acknowledged as a duplicate.
 */
class FakeJetStream implements Pick<JetStreamClient, 'publish'> {
  readonly attempts: Attempt[] = [];
  readonly stored = new Set<string>();

  constructor(private failures = 0) {}

  publish(subject: string, payload?: unknown, options?: Partial<JetStreamPublishOptions>): Promise<PubAck> {
    const msgID = options?.msgID;
    this.attempts.push({ subject, msgID, data: payload as Uint8Array });
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('503 no responders'));
    }
    const duplicate = msgID !== undefined && this.stored.has(msgID);
    if (msgID !== undefined) this.stored.add(msgID);
    return Promise.resolve({ stream: 'TEST', seq: this.stored.size, duplicate });
  }
}

const names = clusterNames('TEST');
const log = { id: 'AbC+/dEf=', name: 'Test log', operator: 'Test', api: 'rfc6962', url: 'https://ct.example/log/', key: new Uint8Array(), mmdSeconds: 86_400 } satisfies LogDescriptor;

describe('StreamPublisher', () => {
  let event: CertEvent;
  before(async () => {
    event = await simulatedEvent('publisher', ['publisher.example']);
  });

  it("publishes each entry on its log's subject with <log id>:<index> as message id, counting duplicates", async () => {
    const js = new FakeJetStream();
    const publisher = new StreamPublisher(js, names, silentLogger);
    publisher.publish(event, log);
    publisher.publish({ ...event, cert_index: event.cert_index + 1 }, log);
    publisher.publish(event, log); // as a redundant ingester would: the same entry again
    assert.equal(publisher.stats.pending, 3);
    await publisher.settled();
    assert.deepEqual(
      js.attempts.map((a) => [a.subject, a.msgID]),
      [
        ['TEST.log.AbC-_dEf', `${log.id}:${event.cert_index}`],
        ['TEST.log.AbC-_dEf', `${log.id}:${event.cert_index + 1}`],
        ['TEST.log.AbC-_dEf', `${log.id}:${event.cert_index}`],
      ],
    );
    assert.deepEqual(publisher.stats, { published: 2, duplicates: 1, retries: 0, pending: 0 });
    const decoded = decodeEnvelope(js.attempts[0]!.data, 7, new CertCache(10));
    assert.deepEqual(decoded.leaf_cert.all_domains, ['publisher.example'], 'the payload is the envelope of the event');
    assert.equal(decoded.seq, 7, 'numbered by the stream, not by the ingester');
  });

  it('retries a failed publish with the same message id until it is stored', async () => {
    const js = new FakeJetStream(2);
    const publisher = new StreamPublisher(js, names, silentLogger);
    publisher.publish(event, log);
    await publisher.settled();
    assert.equal(js.attempts.length, 3);
    assert.equal(new Set(js.attempts.map((a) => a.msgID)).size, 1, 'every retry has the same id, so JetStream stores it once');
    assert.deepEqual(publisher.stats, { published: 1, duplicates: 0, retries: 2, pending: 0 });
  });

  it('stops retrying when stopped, leaving the entry unstored', async () => {
    const js = new FakeJetStream(Number.MAX_SAFE_INTEGER);
    const publisher = new StreamPublisher(js, names, silentLogger);
    publisher.publish(event, log);
    const settled = publisher.settled();
    publisher.stop();
    await assert.rejects(settled, /publisher stopped before .* was stored/);
    assert.equal(publisher.stats.published, 0);
    assert.equal(publisher.stats.pending, 0);
    assert.equal(js.stored.size, 0);
  });

  it('gives up quietly when stopped with nobody waiting: no unhandled rejection at shutdown', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const publisher = new StreamPublisher(new FakeJetStream(Number.MAX_SAFE_INTEGER), names, silentLogger);
      publisher.publish(event, log);
      publisher.stop();
      // waitFor checks again only after a timer: by then node has reported what the turn that ended
      // the delivery left unhandled.
      await waitFor('the delivery to end', () => publisher.stats.pending === 0);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
