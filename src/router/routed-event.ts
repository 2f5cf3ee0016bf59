/**
 * What routing needs of an event: its seq, the domains filters match on, and its message on each
 * channel. A single process routes the CertEvents its own ingest parses; a cluster edge routes
 * envelopes whose messages were built by an ingester (src/cluster/envelope.ts).
 */
import type { CertEvent } from '../ingest/event.js';
import type { Channel } from '../protocol/channels.js';
import { serialize } from '../protocol/wire.js';

export interface RoutedEvent {
  readonly seq: number;
  readonly domains: readonly string[];
  /** The seq of this certificate's first sighting when it is a repeat: dedupe subscriptions skip it. */
  readonly duplicateOf: number | undefined;
  /** The channel's message; a subscription's field is spliced in before its final `}`. */
  message(channel: Channel): string;
}

/** A CertEvent of this process's ingest; messages are serialized on demand, never kept. */
export class LocalEvent implements RoutedEvent {
  constructor(readonly event: CertEvent) {}

  get seq(): number {
    return this.event.seq;
  }

  get domains(): readonly string[] {
    return this.event.leaf_cert.all_domains;
  }

  get duplicateOf(): number | undefined {
    return this.event.duplicate_of;
  }

  message(channel: Channel): string {
    return serialize(channel, this.event);
  }
}
