/**
 * The server-message schemas against what the server really sends (its serializers over a
 * simulated certificate, and the reply builders), and against the original CertStream server's
 * sample message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { CertEvent } from '../../src/ingest/event.js';
import { errorMessage, gapMessage, pongMessage, subscribedMessage, unsubscribedMessage, withSubscription } from '../../src/protocol/replies.js';
import {
  certificateUpdateMessageSchema,
  CLOSE_CODES,
  CLOSE_REASONS,
  dnsEntriesMessageSchema,
  ERROR_CODES,
  errorMessageSchema,
  fullCertificateUpdateMessageSchema,
  heartbeatMessageSchema,
  liteCertificateUpdateMessageSchema,
  SERVER_MESSAGE_TYPES,
  serverMessageSchema,
} from '../../src/protocol/server-messages.js';
import * as wire from '../../src/protocol/wire.js';
import { simulatedEvent } from '../support/events.js';
import { fixturePath, sharedFixtures } from '../support/fixtures.js';
import { skipWithout } from '../support/requirements.js';

function json(text: string): unknown {
  return JSON.parse(text) as unknown;
}

describe('server messages: schemas match what the server sends', () => {
  let event: CertEvent;
  before(async () => {
    event = await simulatedEvent('protocol', ['login.paypal.example', 'www.paypal.example']);
  });

  it('full certificate_update: DER on the leaf and every chain certificate, and seq', () => {
    const message = json(wire.serializeFull(event));
    const parsed = fullCertificateUpdateMessageSchema.parse(message);
    assert.equal(parsed.data.seq, 41);
    assert.equal(parsed.data.chain.length, 2);
    assert.deepEqual(parsed.data.leaf_cert.all_domains, ['login.paypal.example', 'www.paypal.example']);
    assert.equal(serverMessageSchema.parse(message).message_type, 'certificate_update');
  });

  it('lite certificate_update: no DER, so the full schema refuses it', () => {
    const message = json(wire.serializeLite(event));
    liteCertificateUpdateMessageSchema.parse(message);
    assert.equal(fullCertificateUpdateMessageSchema.safeParse(message).success, false);
    assert.ok(!JSON.stringify(message).includes('"as_der"'));
  });

  it('dns_entries and heartbeat', () => {
    assert.deepEqual(dnsEntriesMessageSchema.parse(json(wire.serializeDomains(event))).data, event.leaf_cert.all_domains);
    assert.deepEqual(heartbeatMessageSchema.parse(json(wire.heartbeat(1_700_000_000_999))), {
      message_type: 'heartbeat',
      timestamp: 1_700_000_000,
    });
  });

  it('withSubscription adds the top-level "subscription" field to any channel message', () => {
    for (const serialize of [wire.serializeFull, wire.serializeLite, wire.serializeDomains]) {
      const tagged = serverMessageSchema.parse(json(withSubscription(serialize(event), 'paypal:1')));
      assert.equal((tagged as { subscription?: string }).subscription, 'paypal:1');
    }
    assert.throws(() => withSubscription('[]', 's'), TypeError);
  });

  it('replies: subscribed, gap, unsubscribed, pong, error', () => {
    assert.deepEqual(json(subscribedMessage('s1', { epoch: 'e1', seq: 7 })), { message_type: 'subscribed', id: 's1', epoch: 'e1', seq: 7 });
    assert.deepEqual(json(subscribedMessage('s1', { epoch: 'e1', seq: 7, recovered: false, oldestSeq: 3 })), {
      message_type: 'subscribed',
      id: 's1',
      epoch: 'e1',
      seq: 7,
      recovered: false,
      oldest_seq: 3,
    });
    assert.deepEqual(json(unsubscribedMessage('s1')), { message_type: 'unsubscribed', id: 's1' });
    assert.deepEqual(json(gapMessage('s1', 5, 9)), { message_type: 'gap', id: 's1', from_seq: 5, to_seq: 9, reason: 'history_expired' });
    assert.deepEqual(json(pongMessage()), { message_type: 'pong' });
    assert.deepEqual(json(pongMessage('p1')), { message_type: 'pong', id: 'p1' });
    assert.equal(errorMessage('bad_json', 'x'), '{"message_type":"error","code":"bad_json","message":"x"}');
    assert.equal(errorMessage('unknown_subscription', 'no "s1"', 's1'), '{"message_type":"error","id":"s1","code":"unknown_subscription","message":"no \\"s1\\""}');
    for (const text of [subscribedMessage('s1', { epoch: 'e', seq: 0, recovered: true }), gapMessage('s1', 1, 1), unsubscribedMessage('s1'), pongMessage(), pongMessage('p'), errorMessage('rate_limited', 'slow down', 'a')]) {
      serverMessageSchema.parse(json(text));
    }
    for (const code of ERROR_CODES) errorMessageSchema.parse(json(errorMessage(code, 'text', 'id')));
  });

  it('refuses what is not a server message', () => {
    for (const bad of [
      { message_type: 'subscribed' },
      { message_type: 'error', code: 'no_such_code', message: 'x' },
      { message_type: 'heartbeat', timestamp: 'now' },
      { message_type: 'dns_entries', data: 'a.example' },
      { message_type: 'certificate_update', data: {} },
      { message_type: 'surprise' },
    ]) {
      assert.equal(serverMessageSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('keeps fields a later server may add (loose objects)', () => {
    const parsed = serverMessageSchema.parse({ message_type: 'pong', latency_hint: 3 });
    assert.deepEqual(parsed, { message_type: 'pong', latency_hint: 3 });
  });

  it('lists every message type, and each close code with a reason', () => {
    const unionTypes = serverMessageSchema.options.map((option) => option.shape.message_type.value);
    assert.deepEqual([...unionTypes].sort(), [...SERVER_MESSAGE_TYPES].sort());
    assert.equal(CLOSE_CODES.backpressure, 4008);
    assert.equal(CLOSE_REASONS.backpressure, 'backpressure');
    assert.equal(CLOSE_CODES.goingAway, 1001, 'the standard going-away code');
    for (const [name, code] of Object.entries(CLOSE_CODES)) {
      assert.ok((code >= 4000 && code <= 4999) || code === 1001, `${name}: an application code or 1001`);
      assert.equal(typeof CLOSE_REASONS[name as keyof typeof CLOSE_CODES], 'string');
    }
  });
});

describe('server messages vs the original CertStream sample', { skip: skipWithout(sharedFixtures) }, () => {
  const sample = (): unknown => json(readFileSync(fixturePath('certstream', 'calidog-example-certificate_update.json'), 'utf8'));

  it('has the original shape: only certstream-ts additions are missing from the sample', () => {
    const result = certificateUpdateMessageSchema.safeParse(sample());
    assert.equal(result.success, false);
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}:${issue.code}`).sort();
    // Every field the original server sends validates; what fails is exactly what this server adds.
    const added = ['issuer', 'sha1', 'sha256', 'signature_algorithm', 'is_ca'];
    const expected = [
      'data.seq:invalid_type',
      ...added.map((f) => `data.leaf_cert.${f}:invalid_type`),
      ...[0, 1].flatMap((i) => added.map((f) => `data.chain.${i}.${f}:invalid_type`)),
    ].sort();
    assert.deepEqual(problems, expected);
  });
});
