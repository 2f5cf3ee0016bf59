/**
 * The epoch of a cluster: names the stream's numbering, so clients resume across edges and edge
 * restarts but never mix up seqs of a stream that was deleted and created again. Kept in NATS KV
 * together with the creation time of the stream it belongs to.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../util/json.js';

const EPOCH_KEY = 'epoch';
const valueSchema = z.object({ epoch: z.string().min(1), streamCreated: z.string() });

/** The stream's epoch, created on first use; every edge calling this agrees on one value. */
export async function clusterEpoch(kv: KV, jsm: JetStreamManager, stream: string): Promise<string> {
  const { created } = await jsm.streams.info(stream);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await kv.get(EPOCH_KEY);
    const current = entry?.operation === 'PUT' ? valueSchema.safeParse(parseJsonOrUndefined(entry.string())) : undefined;
    if (current?.success && current.data.streamCreated === created) return current.data.epoch;
    const value = JSON.stringify({ epoch: randomBytes(8).toString('hex'), streamCreated: created });
    try {
      // Compare-and-set: when two edges race, one wins and the other reads its value next round.
      if (entry && entry.operation === 'PUT') await kv.update(EPOCH_KEY, value, entry.revision);
      else await kv.create(EPOCH_KEY, value);
    } catch {
      continue;
    }
  }
  throw new Error('could not agree on a cluster epoch in NATS KV');
}
