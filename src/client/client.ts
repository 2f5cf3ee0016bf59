/**
 * The certstream-ts client: one WebSocket, any number of subscriptions, and the bookkeeping that
 * lets it survive a lost connection. Every subscription remembers the position (seq and epoch) of
 * the last certificate it received; after a reconnect it subscribes again with `since` that
 * position, so the server replays what was missed, or says it cannot (a 'gap').
 *
 * Replies are matched to requests in order: the server answers every client message, and answers
 * them in the order it received them.
 */
import type { Channel } from '../protocol/channels.js';
import { certificateUpdateMessageSchema, dnsEntriesMessageSchema, gapMessageSchema, type SubscribedMessage } from '../protocol/server-messages.js';
import { Emitter } from './emitter.js';
import { ClientClosedError, ConnectionLostError, ServerError } from './errors.js';
import { FlowControl } from './flow.js';
import { checkConnectOptions, checkSubscribeOptions } from './options.js';
import type { MessageQueue } from './queue.js';
import { ReconnectBackoff } from './reconnect.js';
import { parseReply, RequestQueue } from './requests.js';
import { seqOf } from './seq.js';
import { Subscription, type SubscriptionFilter, type SubscriptionHost } from './subscription.js';
import { openTransport, type CloseInfo, type Transport } from './transport.js';
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
  connectTimeoutMs: 10_000,
  replyTimeoutMs: 10_000,
  idleTimeoutMs: 75_000,
  highWaterMark: 1_000,
});

/** Opens a connection to a certstream-ts server; rejects with ConnectError if it cannot. */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<CertStreamClient> {
  const client = new CertStreamClient(String(url), options);
  await client.open();
  return client;
}

interface Waiter {
  resolve(transport: Transport): void;
  reject(error: Error): void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class CertStreamClient {
  readonly url: string;
  private readonly options: ConnectOptions;
  private readonly events: Emitter<ClientEvents>;
  private readonly backoff: ReconnectBackoff;
  private readonly subscriptions = new Map<string, Subscription>();
  /** The client's own async iterators. */
  private readonly clientConsumers = new Set<MessageQueue<CertStreamMessage>>();
  private readonly flow: FlowControl;
  private readonly requests: RequestQueue;
  private transport: Transport | null = null;
  /** Bumped per connection, so events of a replaced socket are ignored. */
  private generation = 0;
  /** Epoch of the server on the current connection, from its subscribed replies. */
  private epoch: string | null = null;
  /** Subscriptions the server has answered on the current connection (heartbeats move them). */
  private readonly answeredOnConnection = new Set<Subscription>();
  private connectedWaiters: Waiter[] = [];
  private recovering = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private closedResolve: (() => void) | null = null;
  private sleepAbort = new AbortController();
  /** Once a subscribe was sent, untagged messages are leftovers of the unfiltered stream. */
  private subscribedOnce = false;
  private nextId = 1;
  private reconnectCount = 0;
  private lastReceivedAt = 0;
  private idleTimer: ReturnType<typeof setInterval> | null = null;

  /** Use connect(), which also opens the connection. */
  constructor(url: string, options: ConnectOptions = {}) {
    checkConnectOptions(options);
    this.url = url;
    this.options = options;
    this.events = new Emitter((err) => this.reportError(err));
    this.backoff = new ReconnectBackoff(options.reconnect === false ? {} : options.reconnect);
    this.requests = new RequestQueue(options.replyTimeoutMs ?? DEFAULTS.replyTimeoutMs);
    this.flow = new FlowControl(options.highWaterMark ?? DEFAULTS.highWaterMark, {
      transport: () => this.transport,
      epoch: () => this.epoch,
      gap: (event) => this.events.emit('gap', event),
      resumed: () => (this.lastReceivedAt = Date.now()),
    });
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
      const transport = this.transport;
      if (transport && !this.recovering) {
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
      connected: this.transport !== null && !this.recovering,
      paused: this.flow.paused,
      reconnects: this.reconnectCount,
      buffered: this.flow.buffered,
    };
  }

  /** Closes the connection for good; iterators finish after what they hold. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.sleepAbort.abort();
    this.stopIdleCheck();
    for (const waiter of this.connectedWaiters.splice(0)) waiter.reject(new ClientClosedError());
    this.requests.failAll(new ClientClosedError());
    this.endAll();
    const transport = this.transport;
    this.closing = new Promise<void>((resolve) => {
      if (!transport) return resolve();
      this.closedResolve = resolve;
      transport.close(1000, 'client closed');
      // A server that does not answer the closing handshake is not waited for.
      const timer = setTimeout(() => transport.terminate(), 2_000);
      (timer as { unref?: () => void }).unref?.();
    }).then(() => {
      this.transport = null;
      this.events.emit('close');
    });
    return this.closing;
  }

  // --- connection lifecycle ---

  /** @internal Opens a connection (the first, or a reconnect). */
  async open(): Promise<void> {
    const generation = ++this.generation;
    const transport = await openTransport(
      this.url,
      {
        message: (text) => {
          if (generation === this.generation) this.onText(text);
        },
        close: (info) => {
          if (generation === this.generation) this.onClosed(info);
        },
      },
      {
        timeoutMs: this.options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        ...(this.options.WebSocket ? { WebSocket: this.options.WebSocket } : {}),
      },
    );
    if (this.closed) {
      transport.close(1000, 'client closed');
      throw new ClientClosedError();
    }
    this.transport = transport;
    this.epoch = null;
    this.answeredOnConnection.clear();
    this.lastReceivedAt = Date.now();
    this.startIdleCheck();
    this.flow.connectionOpened();
  }

  private onClosed(info: CloseInfo): void {
    this.transport = null;
    this.flow.connectionClosed();
    this.stopIdleCheck();
    if (this.closed) {
      this.closedResolve?.();
      return;
    }
    this.requests.failAll(new ConnectionLostError(`the connection was lost (${describeClose(info)})`));
    this.events.emit('disconnect', info.error ? { code: info.code, reason: info.reason, error: info.error } : { code: info.code, reason: info.reason });
    if (this.options.reconnect === false) {
      this.closed = true;
      this.closing = Promise.resolve();
      const error = new ClientClosedError(`the connection was lost (${describeClose(info)})`);
      for (const waiter of this.connectedWaiters.splice(0)) waiter.reject(error);
      this.endAll(error);
      this.events.emit('close');
      return;
    }
    // While recovering, the recovery loop notices the loss itself and starts over.
    if (!this.recovering) {
      this.recovering = true;
      void this.recover();
    }
  }

  /** Reconnects with backoff and resubscribes everything, until it succeeds or the client is closed. */
  private async recover(): Promise<void> {
    const lostAt = Date.now();
    let attempts = 0;
    let lastError: Error | undefined;
    try {
      for (;;) {
        // Connect, with backoff.
        for (;;) {
          if (this.closed) return;
          attempts++;
          const delayMs = this.backoff.next();
          this.events.emit('reconnecting', lastError ? { attempt: attempts, delayMs, error: lastError } : { attempt: attempts, delayMs });
          await sleep(delayMs, this.sleepAbort.signal);
          if (this.closed) return;
          try {
            await this.open();
            break;
          } catch (err) {
            if (err instanceof ClientClosedError) return;
            lastError = err instanceof Error ? err : new Error(String(err));
          }
        }
        const gaps = await this.resubscribeAll();
        if (gaps === null) continue; // lost again while resubscribing
        this.backoff.reset();
        this.reconnectCount++;
        this.recovering = false;
        for (const waiter of this.connectedWaiters.splice(0)) waiter.resolve(this.transport!);
        this.events.emit('reconnect', { attempts, downtimeMs: Date.now() - lostAt, recovered: gaps.length === 0, gaps });
        for (const gap of gaps) this.events.emit('gap', gap);
        return;
      }
    } catch (err) {
      // Not expected: recovery must not die silently.
      this.reportError(err);
    } finally {
      if (this.closed) this.recovering = false;
    }
  }

  /**
   * Subscribes every subscription again, each from its position. Resolves with the subscriptions
   * that could not resume, or null when the connection was lost again meanwhile.
   */
  private async resubscribeAll(): Promise<GapEvent[] | null> {
    const transport = this.transport;
    if (!transport) return null;
    const subscriptions = [...this.subscriptions.values()].filter((s) => s.active && !s.leaving);
    const outcomes = await Promise.allSettled(
      subscriptions.map((s) => this.sendSubscribe(transport, s, s.filter, s.position ?? undefined)),
    );
    if (this.transport !== transport) return null;
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

  private whenConnected(): Promise<Transport> {
    if (this.closed) return Promise.reject(new ClientClosedError());
    if (this.transport && !this.recovering) return Promise.resolve(this.transport);
    return new Promise((resolve, reject) => this.connectedWaiters.push({ resolve, reject }));
  }

  // --- requests and replies ---

  private sendSubscribe(
    transport: Transport,
    subscription: Subscription,
    filter: SubscriptionFilter,
    since: StreamPosition | undefined,
  ): Promise<SubscribeResult & { gap?: GapEvent }> {
    const message = {
      type: 'subscribe',
      id: subscription.id,
      ...(filter.channel === undefined ? {} : { channel: filter.channel }),
      keywords: filter.keywords,
      regex: filter.regex,
      ...(filter.dedupe === true ? { dedupe: true } : {}),
      ...(since === undefined ? {} : { since: { seq: since.seq, epoch: since.epoch } }),
    };
    return this.requests.send(transport, message, `subscribe ${subscription.id}`, (reply) => {
      // Synchronous with the reply: certificates right behind it must see the new position.
      if (reply.message_type === 'subscribed') this.applySubscribed(subscription, filter, since, reply.reply);
    }).then((reply) => {
      if (reply.message_type === 'error') throw reply.error;
      if (reply.message_type !== 'subscribed') throw new Error(`unexpected ${reply.message_type} in answer to subscribe`);
      return this.subscribeResult(subscription, since, reply.reply);
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

  /** The answer to a subscribe, and the gap when it asked to resume and could not. */
  private subscribeResult(subscription: Subscription, since: StreamPosition | undefined, reply: SubscribedMessage): SubscribeResult & { gap?: GapEvent } {
    const result: SubscribeResult & { gap?: GapEvent } = toResult(reply);
    if (since !== undefined && reply.recovered !== true) {
      const gap: GapEvent = { subscription: subscription.id, reason: 'not_recovered', missedFrom: since.seq + 1, epoch: since.epoch };
      gap.serverRestarted = reply.epoch !== since.epoch;
      if (reply.oldest_seq !== undefined) gap.oldestSeq = reply.oldest_seq;
      result.gap = gap;
    }
    return result;
  }

  // --- incoming messages ---

  private onText(text: string): void {
    this.lastReceivedAt = Date.now();
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.reportError(new Error(`the server sent invalid JSON: ${text.slice(0, 80)}`));
      return;
    }
    if (!isRecord(message)) return;
    switch (message.message_type) {
      case 'certificate_update':
      case 'dns_entries':
        this.onCertificate(message);
        return;
      case 'subscribed':
      case 'unsubscribed':
      case 'pong':
      case 'error':
        this.onReply(message);
        return;
      case 'heartbeat':
        this.onHeartbeat(message);
        return;
      case 'gap':
        this.onGap(message);
        return;
      default:
        // message types of later versions
        return;
    }
  }

  private onReply(message: Record<string, unknown>): void {
    const reply = parseReply(message);
    if (!reply) {
      this.reportError(new Error(`the server sent an invalid ${String(message.message_type)} message`));
      return;
    }
    if (!this.requests.settle(reply)) this.reportError(new Error(`unexpected ${reply.message_type} from the server`));
  }

  /**
   * A heartbeat's seq says the server has sent everything up to it, so subscriptions answered on
   * this connection move their position there even when nothing matched (a later resume then still
   * finds its position in the server's history).
   */
  private onHeartbeat(message: Record<string, unknown>): void {
    const seq = message.seq;
    if (typeof seq !== 'number' || this.epoch === null) return;
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
  private onGap(message: Record<string, unknown>): void {
    const parsed = gapMessageSchema.safeParse(message);
    if (!parsed.success) {
      this.reportError(new Error(`the server sent an invalid gap message: ${parsed.error.message}`));
      return;
    }
    const { id, from_seq: from, to_seq: to } = parsed.data;
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined || this.epoch === null) return;
    if (subscription.position?.epoch === this.epoch) subscription.advance(to, this.epoch);
    this.events.emit('gap', { subscription: id, reason: 'history_expired', missedFrom: from, missedTo: to, epoch: this.epoch });
  }

  private onCertificate(raw: Record<string, unknown>): void {
    if (this.options.validateMessages) {
      const schema = raw.message_type === 'dns_entries' ? dnsEntriesMessageSchema : certificateUpdateMessageSchema;
      const result = schema.safeParse(raw);
      if (!result.success) {
        this.reportError(new Error(`the server sent an invalid ${String(raw.message_type)} message: ${result.error.message}`));
        return;
      }
    }
    const message = raw as unknown as CertStreamMessage;
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

  private startIdleCheck(): void {
    const idleTimeoutMs = this.options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
    if (idleTimeoutMs <= 0) return;
    this.stopIdleCheck();
    this.idleTimer = setInterval(() => {
      if (this.flow.paused || !this.transport) return;
      if (Date.now() - this.lastReceivedAt > idleTimeoutMs) {
        // Half-open TCP: nothing will ever tell us, so the connection is replaced.
        this.transport.terminate();
      }
    }, Math.max(100, Math.floor(idleTimeoutMs / 4)));
    // Node: the socket keeps the process alive, not this timer.
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private stopIdleCheck(): void {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
  }

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

function toResult(reply: SubscribedMessage): SubscribeResult {
  const result: SubscribeResult = { position: { seq: reply.seq, epoch: reply.epoch } };
  if (reply.recovered !== undefined) result.recovered = reply.recovered;
  if (reply.oldest_seq !== undefined) result.oldestSeq = reply.oldest_seq;
  return result;
}

function describeClose(info: CloseInfo): string {
  if (info.error) return info.error.message;
  return info.reason === '' ? `code ${info.code}` : `code ${info.code}, ${info.reason}`;
}

/** setTimeout as a promise that an AbortSignal ends early. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
