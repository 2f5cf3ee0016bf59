/** Envelopes: what an edge rebuilds is byte for byte what a single process sends; bad bytes are refused. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { decodeEnvelope, encodeEnvelope, EnvelopeError } from '../../src/cluster/envelope.js';
import type { CertEvent } from '../../src/ingest/event.js';
import { CHANNELS } from '../../src/protocol/channels.js';
import { serialize } from '../../src/protocol/wire.js';
import { createRng } from '../../src/sim/rng.js';
import { CertCache } from '../../src/x509/cert-cache.js';
import { simulatedEvent } from '../support/events.js';

describe('cluster envelope', () => {
  let event: CertEvent;
  const issuers = new CertCache(100);

  before(async () => {
    event = await simulatedEvent('envelope', ['envelope.example', 'www.envelope.example', 'xn--nicode-dua.example']);
  });

  it('gives, with the stream seq, exactly the messages a single process sends', () => {
    const received = decodeEnvelope(encodeEnvelope(event), 99, issuers);
    assert.equal(received.seq, 99);
    assert.deepEqual(received.leaf_cert.all_domains, event.leaf_cert.all_domains);
    assert.equal(received.chain.length, event.chain.length);
    for (const channel of CHANNELS) assert.equal(serialize(channel, received), serialize(channel, { ...event, seq: 99 }), channel);
  });

  it('carries the chain once per certificate: edges share parsed issuers through their cache', () => {
    const a = decodeEnvelope(encodeEnvelope(event), 1, issuers);
    const b = decodeEnvelope(encodeEnvelope(event), 2, issuers);
    assert.ok(a.chain.length > 0);
    a.chain.forEach((cert, i) => assert.equal(b.chain[i], cert));
  });

  it('refuses every truncation and corruption with an EnvelopeError, never anything else', () => {
    const bytes = encodeEnvelope(event);
    let refused = 0;
    for (let length = 0; length < bytes.length; length += 7) {
      assert.throws(() => decodeEnvelope(bytes.subarray(0, length), 1, issuers), EnvelopeError);
      refused++;
    }
    const rng = createRng('envelope-mutations');
    for (let i = 0; i < 5_000; i++) {
      const mutated = Uint8Array.from(bytes);
      // Half in the framing (version, lengths, origin), half anywhere.
      for (let flips = rng.between(1, 4); flips > 0; flips--) mutated[rng.int(i % 2 === 0 ? 64 : bytes.length)] = rng.int(256);
      try {
        decodeEnvelope(mutated, 1, issuers);
      } catch (err) {
        assert.ok(err instanceof EnvelopeError, String(err));
        refused++;
      }
    }
    assert.ok(refused > 1_000);
  });
});
