/**
 * Edge side of the cluster: reads the stream with an ordered consumer and hands every event, numbered
 * by its stream sequence, to the local server. At start it first reads back as much of the stream
 * as the resume history holds, so that clients of a restarted edge can still resume. After the
 * NATS connection comes back it reads on from the last sequence it handed on, at once (the
 * consumer's own recovery waits for missed heartbeats, ~a minute).
 */
import { DeliverPolicy, type OrderedConsumerOptions } from '@nats-io/jetstream';
import type { CertEvent } from '../ingest/event.js';
import { CertCache } from '../x509/cert-cache.js';
import { Backoff, sleep } from '../util/backoff.js';
import type { Logger } from '../util/logger.js';
import { decodeEnvelope, EnvelopeError } from './envelope.js';

export interface EdgeFeedStats {
  received: number;
  /** Stream messages that were not envelopes (skipped). */
  malformed: number;
  /** Stream sequence of the newest message read. */
  lastSeq: number;
  /** Times the consumer was re-created after a reconnect or an error. */
  restarts: number;
}

export type EdgeEventSink = (event: CertEvent, storedAtMs: number) => void;

/** A stream message, as far as the feed reads it. */
interface StreamMessage {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly info: { readonly timestampNanos: number };
}

interface StreamMessages extends AsyncIterable<StreamMessage> {
  stop(): void;
}

/** What the feed uses of a ClusterConnection: the narrow seam lets tests stand in for NATS. */
export interface EdgeFeedConnection {
  readonly names: { readonly stream: string };
  readonly jsm: { readonly streams: { info(stream: string): Promise<{ state: { first_seq: number; last_seq: number } }> } };
  readonly js: {
    readonly consumers: { get(stream: string, options: Partial<OrderedConsumerOptions>): Promise<{ consume(): Promise<StreamMessages> }> };
  };
  readonly nc: { status(): AsyncIterable<{ type: string }> };
}

/** Issuer certificates kept parsed, as the ingest's own cache. */
const ISSUER_CACHE_SIZE = 10_000;

export class EdgeFeed {
  private messages: StreamMessages | null = null;
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  readonly stats: EdgeFeedStats = { received: 0, malformed: 0, lastSeq: 0, restarts: 0 };
  private readonly issuers = new CertCache(ISSUER_CACHE_SIZE);

  constructor(
    private readonly cluster: EdgeFeedConnection,
    private readonly sink: EdgeEventSink,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts reading the newest `backfill` events and everything after; resolves once it has handed on
   * everything the stream held at start.
   */
  async start(backfill: number): Promise<void> {
    const { stream } = this.cluster.names;
    const { state } = await this.cluster.jsm.streams.info(stream);
    const startSeq = Math.max(state.first_seq, state.last_seq - backfill + 1, 1);
    this.stats.lastSeq = startSeq - 1;
    let caughtUp: () => void = () => {};
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    if (state.last_seq < startSeq) caughtUp();
    this.loop = this.run((seq) => {
      if (seq >= state.last_seq) caughtUp();
    });
    void this.restartOnReconnect();
    await ready;
    this.logger.info({ stream, from: startSeq, to: state.last_seq }, 'edge caught up with the stream');
  }

  stop(): void {
    this.abort.abort();
    this.messages?.stop();
  }

  /** Waits for the read loop to end after stop(). */
  async stopped(): Promise<void> {
    await this.loop;
  }

  /** Reads from stats.lastSeq + 1 on, with a new consumer each time the current one ends early. */
  private async run(onSeq: (seq: number) => void): Promise<void> {
    const backoff = new Backoff({ baseMs: 100, maxMs: 5_000 });
    while (!this.abort.signal.aborted) {
      try {
        const consumer = await this.cluster.js.consumers.get(this.cluster.names.stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.stats.lastSeq + 1,
        });
        const messages = await consumer.consume();
        this.messages = messages;
        if (this.abort.signal.aborted) messages.stop();
        for await (const m of messages) {
          backoff.reset();
          // A consumer that is being replaced may still hand over what the new one also reads.
          if (m.seq <= this.stats.lastSeq) continue;
          this.handle(m.data, m.seq, Math.floor(Number(m.info.timestampNanos) / 1e6));
          onSeq(m.seq);
        }
      } catch (err) {
        if (this.abort.signal.aborted) break;
        this.logger.warn({ err }, 'reading the NATS stream failed; retrying');
        await sleep(backoff.next(), this.abort.signal);
      }
      if (!this.abort.signal.aborted) this.stats.restarts++;
    }
  }

  private async restartOnReconnect(): Promise<void> {
    for await (const status of this.cluster.nc.status()) {
      if (this.abort.signal.aborted) return;
      if (status.type === 'reconnect') {
        this.logger.info({ from: this.stats.lastSeq + 1 }, 'NATS connection back: reading the stream on');
        this.messages?.stop();
      }
    }
  }

  private handle(data: Uint8Array, seq: number, storedAtMs: number): void {
    this.stats.received++;
    this.stats.lastSeq = seq;
    let event: CertEvent;
    try {
      event = decodeEnvelope(data, seq, this.issuers);
    } catch (err) {
      if (!(err instanceof EnvelopeError)) throw err;
      this.stats.malformed++;
      this.logger.warn({ seq, err }, 'skipping a stream message that is not an envelope');
      return;
    }
    this.sink(event, storedAtMs);
  }
}
