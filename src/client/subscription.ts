/**
 * One subscription of a client: its filters, how far it has read (its position, which is what a
 * reconnect resumes from), and its consumers, callbacks and async iterators.
 */
import type { Channel } from '../protocol/channels.js';
import { Emitter } from './emitter.js';
import type { MessageQueue } from './queue.js';
import type { CertStreamMessage, StreamPosition, SubscribeResult } from './types.js';

/** What a subscribe sends, apart from id and since. */
export interface SubscriptionFilter {
  channel?: Channel;
  keywords: readonly string[];
  regex: readonly string[];
  dedupe?: boolean;
}

/** What a subscription needs from its client. */
export interface SubscriptionHost {
  createQueue<M>(deliverTo: Set<MessageQueue<M>>): MessageQueue<M>;
  enqueue<M extends CertStreamMessage>(queue: MessageQueue<M>, message: M): void;
  unsubscribe(id: string): Promise<void>;
  reportError(error: unknown): void;
}

// A type alias, not an interface: only aliases satisfy the emitter's Record constraint.
type SubscriptionEvents<M> = {
  message: (message: M) => void;
};

export class Subscription<M extends CertStreamMessage = CertStreamMessage> {
  private readonly consumers = new Set<MessageQueue<M>>();
  /**
   * Keeps what arrives before the first reader is attached (the replay of a resume can follow the
   * subscribed reply within the same socket read, before `await subscribe()` returns), and becomes
   * that reader's queue. Null once a reader came, or when the client's own readers take everything.
   */
  private initial: MessageQueue<M> | null;
  private readonly events: Emitter<SubscriptionEvents<M>>;
  private current: StreamPosition | null = null;
  private finished = false;
  private answer: SubscribeResult | null = null;
  /** @internal Confirmed by the server at least once: resubscribed after a reconnect. */
  active = false;
  /** @internal An unsubscribe is under way: not resubscribed. */
  leaving = false;

  /** @internal Created by CertStreamClient.subscribe. */
  constructor(
    readonly id: string,
    private currentFilter: SubscriptionFilter,
    private readonly host: SubscriptionHost,
    keepUntilRead: boolean,
  ) {
    this.events = new Emitter((err) => host.reportError(err));
    this.initial = keepUntilRead ? host.createQueue(this.consumers) : null;
  }

  /**
   * The last certificate received (or where the subscription started): save it to resume later
   * with `subscribe({ ..., since: position })`. Null until the server first answered.
   */
  get position(): StreamPosition | null {
    return this.current && { ...this.current };
  }

  /** The filters in force (those of the last subscribe the server accepted). */
  get filter(): SubscriptionFilter {
    return this.currentFilter;
  }

  /** The server's answer to the latest subscribe of this id (after a reconnect: to the resubscribe). */
  get result(): SubscribeResult | null {
    return this.answer;
  }

  /** True once unsubscribed, or the client closed. */
  get ended(): boolean {
    return this.finished;
  }

  /** Calls `listener` for every certificate of this subscription; returns a function that removes it. */
  on(event: 'message', listener: (message: M) => void): () => void {
    const off = this.events.on(event, listener);
    const initial = this.initial;
    if (initial) {
      // The first reader is a callback: it gets what was kept, then the queue goes.
      this.initial = null;
      const kept = initial.takeAll();
      void initial.return();
      for (const message of kept) listener(message);
    }
    return off;
  }

  off(event: 'message', listener: (message: M) => void): void {
    this.events.off(event, listener);
  }

  /**
   * The certificates that arrive from now on, in order. While the loop body runs, messages are
   * buffered up to the client's highWaterMark, then reading from the socket pauses.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<M> {
    if (this.initial) {
      const initial = this.initial;
      this.initial = null;
      return initial;
    }
    const queue = this.host.createQueue(this.consumers);
    if (this.finished) queue.end();
    return queue;
  }

  unsubscribe(): Promise<void> {
    return this.host.unsubscribe(this.id);
  }

  /** @internal The server accepted a subscribe of this id. */
  accepted(filter: SubscriptionFilter, answer: SubscribeResult): void {
    this.currentFilter = filter;
    this.answer = answer;
    this.active = true;
  }

  /** @internal */
  setPosition(seq: number, epoch: string): void {
    if (this.current === null || this.current.epoch !== epoch) this.current = { seq, epoch };
    else this.current.seq = seq;
  }

  /**
   * @internal Moves the position to a received certificate; false when it is not past the
   * position (a duplicate, which the server should never send, dropped all the same).
   */
  advance(seq: number, epoch: string): boolean {
    if (this.current !== null && this.current.epoch === epoch && seq <= this.current.seq) return false;
    this.setPosition(seq, epoch);
    return true;
  }

  /** @internal */
  deliver(message: M): void {
    this.events.emit('message', message);
    for (const queue of this.consumers) this.host.enqueue(queue, message);
  }

  /** @internal The client's own readers (client.on('message'), its iterator) see everything: keep nothing. */
  releaseInitial(): void {
    if (!this.initial) return;
    void this.initial.return();
    this.initial = null;
  }

  /** @internal No more messages: iterators finish after what they hold (or throw `error`). */
  end(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.releaseInitial();
    for (const queue of this.consumers) queue.end(error);
    this.consumers.clear();
  }
}
