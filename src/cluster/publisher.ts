/**
 * Ingest side of the cluster: publishes each parsed event to the stream, on its log's subject, with
 * Nats-Msg-Id = `<log id>:<index>` so redundant ingesters store each entry once. A failed publish is
 * retried with backoff (the id makes retries safe) until it is stored or the publisher stops.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { LogDescriptor } from '../ct/log-list.js';
import type { CertEvent } from '../ingest/event.js';
import { Backoff, sleep } from '../util/backoff.js';
import type { Logger } from '../util/logger.js';
import { encodeEnvelope } from './envelope.js';
import { entryMessageId, logSubject, type ClusterNames } from './names.js';

export interface PublisherStats {
  /** Entries stored in the stream by this publisher. */
  published: number;
  /** Entries another ingester had stored already (dropped by JetStream's dedupe). */
  duplicates: number;
  /** Publish attempts that failed and were retried. */
  retries: number;
  /** Entries waiting for the stream's acknowledgement. */
  pending: number;
}

/**
 * How long a publish waits for the stream's acknowledgement before it is sent again. An ack takes
 * milliseconds; a publish whose request was lost in a NATS reconnect ends only at this timeout, so
 * it bounds how long a NATS restart holds ingest up (5 s made it ~6 s, 2 s ~3 s). A repeat is
 * dropped by JetStream's msgID de-duplication.
 */
const PUBLISH_TIMEOUT_MS = 2_000;
/** Unacknowledged entries (~11 KB each) after which the followers wait for NATS. */
export const MAX_PENDING = 20_000;

export class StreamPublisher {
  private readonly pending = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly waiters: (() => void)[] = [];
  readonly stats: PublisherStats = { published: 0, duplicates: 0, retries: 0, pending: 0 };

  constructor(
    /** Only publish is used: tests hand in a stand-in for JetStream. */
    private readonly js: Pick<JetStreamClient, 'publish'>,
    private readonly names: ClusterNames,
    private readonly logger: Logger,
  ) {}

  publish(event: CertEvent, log: LogDescriptor): void {
    const data = encodeEnvelope(event);
    const subject = logSubject(this.names, log.id);
    const msgID = entryMessageId(log.id, event.cert_index);
    const done: Promise<void> = this.deliver(subject, data, msgID).finally(() => {
      this.pending.delete(done);
      this.stats.pending = this.pending.size;
      if (this.pending.size < MAX_PENDING) for (const wake of this.waiters.splice(0)) wake();
    });
    // A delivery cut short by stop() rejects; settled() tells whoever waits. Unawaited, it must not
    // end the process as an unhandled rejection while it shuts down.
    done.catch(() => {});
    this.pending.add(done);
    this.stats.pending = this.pending.size;
  }

  /** Resolves at once, or when NATS has caught up enough for the followers to fetch more. */
  ready(): Promise<void> {
    if (this.pending.size < MAX_PENDING || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every event handed over so far is stored (or the publisher stopped). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Stops retrying; what is not stored by then is left to the next ingester (cursors did not pass it). */
  stop(): void {
    this.abort.abort();
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async deliver(subject: string, data: Uint8Array, msgID: string): Promise<void> {
    const backoff = new Backoff({ baseMs: 100, maxMs: 10_000 });
    while (!this.abort.signal.aborted) {
      try {
        const ack = await this.js.publish(subject, data, { msgID, timeout: PUBLISH_TIMEOUT_MS });
        if (ack.duplicate) this.stats.duplicates++;
        else this.stats.published++;
        return;
      } catch (err) {
        this.stats.retries++;
        if (backoff.failures === 0) this.logger.warn({ err, subject, msgID }, 'publish to NATS failed; retrying');
        await sleep(backoff.next(), this.abort.signal);
      }
    }
    throw new Error(`publisher stopped before ${msgID} was stored`);
  }
}
