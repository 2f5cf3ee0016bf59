/**
 * The certstream-ts client: one WebSocket, any number of subscriptions, and the bookkeeping that
 * lets it survive a lost connection. Every subscription remembers the position (seq and epoch) of
 * the last certificate it received; after a reconnect it subscribes again with `since` that
 * position, so the server replays what was missed, or says it cannot (a 'gap').
 *
 * Replies are matched to requests in order: the server answers every client message, and answers
 * them in the order it received them. The connection and its reconnects are in connection.ts, the
 * reading of incoming messages in incoming.ts; this class keeps the subscriptions and delivers.
 */
import type { Channel } from '../protocol/channels.js';
import type { GapMessage, SubscribedMessage } from '../protocol/server-messages.js';
import { ClientConnection } from './connection.js';
import { Emitter } from './emitter.js';
import { ClientClosedError, ConnectionLostError, ServerError } from './errors.js';
import { FlowControl } from './flow.js';
import { dispatchIncoming } from './incoming.js';
import { checkConnectOptions, checkSubscribeOptions } from './options.js';
import type { MessageQueue } from './queue.js';
import { RequestQueue, type Reply } from './requests.js';
import { seqOf } from './seq.js';
import { subscribeMessage, subscribeResult, toResult } from './subscribe-request.js';
import { Subscription, type SubscriptionFilter, type SubscriptionHost } from './subscription.js';
import type { Transport } from './transport.js';
import type {
  CertStreamMessage,
  ClientEvents,
  ConnectOptions,
  GapEvent,
  MessageOf,
  StreamPosition,
  SubscribeOptions,
  SubscribeResult,
} from './types.js';

const DEFAULTS = Object.freeze({
  replyTimeoutMs: 10_000,
  highWaterMark: 1_000,
});

/** Opens a connection to a certstream-ts server; rejects with ConnectError if it cannot. */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<CertStreamClient> {
  const client = new CertStreamClient(String(url), options);
  await client.open();
  return client;
}

export class CertStreamClient {
  readonly url: string;
  private readonly options: ConnectOptions;
  private readonly events: Emitter<ClientEvents>;
  private readonly connection: ClientConnection;
  private readonly subscriptions = new Map<string, Subscription>();
  /** The client's own async iterators. */
  private readonly clientConsumers = new Set<MessageQueue<CertStreamMessage>>();
  private readonly flow: FlowControl;
  private readonly requests: RequestQueue;
  /** Epoch of the server on the current connection, from its subscribed replies. */
  private epoch: string | null = null;
  /** Subscriptions the server has answered on the current connection (heartbeats move them). */
  private readonly answeredOnConnection = new Set<Subscription>();
  /** Once a subscribe was sent, untagged messages are leftovers of the unfiltered stream. */
  private subscribedOnce = false;
  private nextId = 1;

  /** Use connect(), which also opens the connection. */
  constructor(url: string, options: ConnectOptions = {}) {
    checkConnectOptions(options);
    this.url = url;
    this.options = options;
    this.events = new Emitter((err) => this.reportError(err));
    this.requests = new RequestQueue(options.replyTimeoutMs ?? DEFAULTS.replyTimeoutMs);
    this.flow = new FlowControl(options.highWaterMark ?? DEFAULTS.highWaterMark, {
      transport: () => this.connection.current,
      epoch: () => this.epoch,
      gap: (event) => this.events.emit('gap', event),
      resumed: () => this.connection.touch(),
    });
    this.connection = new ClientConnection(url, options, this.events, {
      received: (text) => this.onText(text),
      opened: () => {
        this.epoch = null;
        this.answeredOnConnection.clear();
        this.flow.connectionOpened();
      },
      transportClosed: () => this.flow.connectionClosed(),
      lost: (error) => this.requests.failAll(error),
      ending: (error) => {
        if (!error) this.requests.failAll(new ClientClosedError());
        this.endAll(error);
      },
      resubscribe: () => this.resubscribeAll(),
      isPaused: () => this.flow.paused,
      reportError: (err) => this.reportError(err),
    });
  }

  private get closed(): boolean {
    return this.connection.closed;
  }

  private whenConnected(): Promise<Transport> {
    return this.connection.whenReady();
  }

  // --- public API ---

  /**
   * Subscribes to the certificates matching `keywords` or `regex` (all of them with neither), in
   * the shape of `channel`. Resolves once the server has accepted; rejects with ServerError when
   * it refuses (an invalid regex, say). A subscribe while reconnecting is sent once connected.
   */
  async subscribe<C extends Channel = Channel>(options: SubscribeOptions<C> = {}): Promise<Subscription<MessageOf<C>>> {
    checkSubscribeOptions(options);
    if (this.closed) throw new ClientClosedError();
    const id = options.id ?? this.generateId();
    const filter: SubscriptionFilter = { keywords: [...(options.keywords ?? [])], regex: [...(options.regex ?? [])] };
    if (options.channel !== undefined) filter.channel = options.channel;
    if (options.dedupe === true) filter.dedupe = true;

    const existing = this.subscriptions.get(id);
    const subscription = existing ?? new Subscription(id, filter, this.host, !this.hasOwnReaders());
    // Registered before the answer, so certificates that follow it right away are routed.
    if (!existing) this.subscriptions.set(id, subscription);
    this.subscribedOnce = true;
    try {
      for (;;) {
        const transport = await this.whenConnected();
        try {
          const { gap } = await this.sendSubscribe(transport, subscription, filter, options.since);
          if (gap) this.events.emit('gap', gap);
          break;
        } catch (err) {
          // Lost before the answer: try again on the next connection.
          if (!(err instanceof ConnectionLostError) || this.closed) throw err;
        }
      }
    } catch (err) {
      if (!existing && !subscription.active) {
        this.subscriptions.delete(id);
        subscription.end();
      }
      throw err;
    }
    return subscription as unknown as Subscription<MessageOf<C>>;
  }

  /** Ends a subscription: its iterators finish after what they hold. */
  async unsubscribe(id: string): Promise<void> {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw new ServerError('unknown_subscription', `no subscription with id ${JSON.stringify(id)}`, id);
    subscription.leaving = true;
    try {
      const transport = this.connection.ready;
      if (transport) {
        const reply = await this.requests.send(transport, { type: 'unsubscribe', id }, `unsubscribe ${id}`);
        // unknown_subscription: it was gone already (refused while resubscribing, say).
        if (reply.message_type === 'error' && reply.error.code !== 'unknown_subscription') throw reply.error;
      }
      // Without a connection there is nothing to tell: the next one simply does not subscribe it.
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
    } finally {
      if (this.subscriptions.get(id) === subscription) this.subscriptions.delete(id);
      subscription.end();
    }
  }

  /** An application-level round trip; resolves with its duration in milliseconds. */
  async ping(): Promise<number> {
    const transport = await this.whenConnected();
    const started = Date.now();
    const reply = await this.requests.send(transport, { type: 'ping' }, 'ping');
    if (reply.message_type === 'error') throw reply.error;
    return Date.now() - started;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    if (event === 'message') this.releaseKeptMessages();
    return this.events.on(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): void {
    this.events.off(event, listener);
  }

  /** Every certificate message of every subscription, in arrival order (see Subscription's iterator). */
  [Symbol.asyncIterator](): AsyncIterableIterator<CertStreamMessage> {
    this.releaseKeptMessages();
    const queue = this.flow.createQueue(this.clientConsumers);
    if (this.closed) queue.end();
    return queue;
  }

  /** The live subscriptions, by id. */
  get subscriptionIds(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** For monitoring and tests. */
  get stats(): { connected: boolean; paused: boolean; reconnects: number; buffered: number } {
    return {
      connected: this.connection.ready !== null,
      paused: this.flow.paused,
      reconnects: this.connection.reconnects,
      buffered: this.flow.buffered,
    };
  }

  /** Closes the connection for good; iterators finish after what they hold. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** @internal Opens the first connection (connect() does). */
  open(): Promise<void> {
    return this.connection.open();
  }

  // --- subscriptions across connections ---

  /**
   * Subscribes every subscription again, each from its position. Resolves with the subscriptions
   * that could not resume, or null when the connection was lost again meanwhile.
   */
  private async resubscribeAll(): Promise<GapEvent[] | null> {
    const transport = this.connection.current;
    if (!transport) return null;
    const subscriptions = [...this.subscriptions.values()].filter((s) => s.active && !s.leaving);
    const outcomes = await Promise.allSettled(
      subscriptions.map((s) => this.sendSubscribe(transport, s, s.filter, s.position ?? undefined)),
    );
    if (this.connection.current !== transport) return null;
    const gaps: GapEvent[] = [];
    outcomes.forEach((outcome, i) => {
      const subscription = subscriptions[i]!;
      if (outcome.status === 'fulfilled') {
        const gap = outcome.value.gap;
        if (gap) gaps.push(gap);
        return;
      }
      const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
      if (error instanceof ConnectionLostError) return;
      // Refused now though accepted before (a server with other limits, say): the subscription ends.
      this.subscriptions.delete(subscription.id);
      subscription.end(error);
      this.reportError(new Error(`subscription ${subscription.id} could not be renewed: ${error.message}`, { cause: error }));
    });
    if (outcomes.some((o) => o.status === 'rejected' && o.reason instanceof ConnectionLostError)) return null;
    return gaps;
  }

  // --- requests and replies ---

  private sendSubscribe(
    transport: Transport,
    subscription: Subscription,
    filter: SubscriptionFilter,
    since: StreamPosition | undefined,
  ): Promise<SubscribeResult & { gap?: GapEvent }> {
    const message = subscribeMessage(subscription.id, filter, since);
    return this.requests.send(transport, message, `subscribe ${subscription.id}`, (reply) => {
      // Synchronous with the reply: certificates right behind it must see the new position.
      if (reply.message_type === 'subscribed') this.applySubscribed(subscription, filter, since, reply.reply);
    }).then((reply) => {
      if (reply.message_type === 'error') throw reply.error;
      if (reply.message_type !== 'subscribed') throw new Error(`unexpected ${reply.message_type} in answer to subscribe`);
      return subscribeResult(subscription.id, since, reply.reply);
    });
  }

  private applySubscribed(subscription: Subscription, filter: SubscriptionFilter, since: StreamPosition | undefined, reply: SubscribedMessage): void {
    this.epoch = reply.epoch;
    subscription.accepted(filter, toResult(reply));
    this.answeredOnConnection.add(subscription);
    // Resumed: the replay of what came after `since` follows, so the position stays there. Otherwise
    // the subscription starts (or starts over) live, after the server's newest seq.
    if (since !== undefined && reply.recovered === true) subscription.setPosition(since.seq, since.epoch);
    else subscription.setPosition(reply.seq, reply.epoch);
  }

  // --- incoming messages ---

  private onText(text: string): void {
    dispatchIncoming(text, this.options.validateMessages === true, {
      certificate: (message) => this.onCertificate(message),
      reply: (reply) => this.onReply(reply),
      heartbeat: (seq) => this.onHeartbeat(seq),
      gap: (gap) => this.onGap(gap),
      invalid: (error) => this.reportError(error),
    });
  }

  private onReply(reply: Reply): void {
    if (!this.requests.settle(reply)) this.reportError(new Error(`unexpected ${reply.message_type} from the server`));
  }

  /**
   * A heartbeat's seq says the server has sent everything up to it, so subscriptions answered on
   * this connection move their position there even when nothing matched (a later resume then still
   * finds its position in the server's history).
   */
  private onHeartbeat(seq: number): void {
    if (this.epoch === null) return;
    for (const subscription of this.answeredOnConnection) {
      if (this.subscriptions.get(subscription.id) !== subscription) continue; // unsubscribed since
      if (subscription.position?.epoch === this.epoch) subscription.advance(seq, this.epoch);
    }
  }

  /**
   * A replay that had promised recovery could not send some seqs after all (they left the server's
   * history first): report them, and move the subscription past them so a later resume does not ask
   * for them again.
   */
  private onGap({ id, from_seq: from, to_seq: to }: GapMessage): void {
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined || this.epoch === null) return;
    if (subscription.position?.epoch === this.epoch) subscription.advance(to, this.epoch);
    this.events.emit('gap', { subscription: id, reason: 'history_expired', missedFrom: from, missedTo: to, epoch: this.epoch });
  }

  private onCertificate(message: CertStreamMessage): void {
    const id = message.subscription;
    if (id === undefined) {
      // The unfiltered stream a connection gets until the server has processed its first subscribe.
      if (!this.subscribedOnce) this.deliverToClient(message);
      return;
    }
    const subscription = this.subscriptions.get(id);
    if (subscription) {
      const seq = seqOf(message);
      // The server promises no duplicates; this keeps it true across reconnects whatever happens.
      if (seq !== undefined && this.epoch !== null && !subscription.advance(seq, this.epoch)) return;
      subscription.deliver(message);
    }
    this.deliverToClient(message);
  }

  /** Whether the client has readers of its own, which see every subscription's messages. */
  private hasOwnReaders(): boolean {
    return this.events.has('message') || this.clientConsumers.size > 0;
  }

  /** Subscriptions keep early messages for their first reader, unless the client's readers get them. */
  private releaseKeptMessages(): void {
    for (const subscription of this.subscriptions.values()) subscription.releaseInitial();
  }

  private deliverToClient(message: CertStreamMessage): void {
    this.events.emit('message', message);
    for (const queue of this.clientConsumers) this.flow.enqueue(queue, message);
  }

  private readonly host: SubscriptionHost = {
    createQueue: (deliverTo) => this.flow.createQueue(deliverTo),
    enqueue: (queue, message) => this.flow.enqueue(queue, message),
    unsubscribe: (id) => this.unsubscribe(id),
    reportError: (err) => this.reportError(err),
  };

  private endAll(error?: Error): void {
    for (const subscription of this.subscriptions.values()) subscription.end(error);
    this.subscriptions.clear();
    for (const queue of this.clientConsumers) queue.end(error);
    this.clientConsumers.clear();
  }

  // --- helpers ---

  private generateId(): string {
    let id: string;
    do id = `s${this.nextId++}`;
    while (this.subscriptions.has(id));
    return id;
  }

  private reportError(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.events.has('error')) this.events.emit('error', error);
  }
}
