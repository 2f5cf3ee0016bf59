/**
 * Edge side of the cluster: reads the stream with an ordered consumer and hands every event, numbered
 * by its stream sequence, to the local server. At start it first reads back as much of the stream
 * as the resume history holds, so that clients of a restarted edge can still resume.
 */
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { RoutedEvent } from '../router/routed-event.js';
import type { Logger } from '../util/logger.js';
import { decodeEnvelope, EnvelopeError } from './envelope.js';
import type { ClusterConnection } from './nats.js';

export interface EdgeFeedStats {
  received: number;
  /** Stream messages that were not envelopes (skipped). */
  malformed: number;
  /** Stream sequence of the newest event handed on. */
  lastSeq: number;
}

export type RoutedEventSink = (event: RoutedEvent, storedAtMs: number) => void;

export class EdgeFeed {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  readonly stats: EdgeFeedStats = { received: 0, malformed: 0, lastSeq: 0 };

  constructor(
    private readonly cluster: ClusterConnection,
    private readonly sink: RoutedEventSink,
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
    const consumer = await this.cluster.js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq });
    const messages = await consumer.consume();
    this.messages = messages;
    let caughtUp: () => void = () => {};
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    if (state.last_seq < startSeq) caughtUp();
    this.loop = (async () => {
      for await (const m of messages) {
        this.handle(m.data, m.seq, Math.floor(Number(m.info.timestampNanos) / 1e6));
        if (m.seq >= state.last_seq) caughtUp();
      }
    })().catch((err: unknown) => this.logger.error({ err }, 'reading the NATS stream failed'));
    await ready;
    this.logger.info({ stream, from: startSeq, to: state.last_seq }, 'edge caught up with the stream');
  }

  stop(): void {
    this.messages?.stop();
  }

  /** Waits for the read loop to end after stop(). */
  async stopped(): Promise<void> {
    await this.loop;
  }

  private handle(data: Uint8Array, seq: number, storedAtMs: number): void {
    this.stats.received++;
    let event: RoutedEvent;
    try {
      event = decodeEnvelope(data, seq);
    } catch (err) {
      if (!(err instanceof EnvelopeError)) throw err;
      this.stats.malformed++;
      this.logger.warn({ seq, err }, 'skipping a stream message that is not an envelope');
      return;
    }
    this.stats.lastSeq = seq;
    this.sink(event, storedAtMs);
  }
}
