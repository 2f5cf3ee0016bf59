/**
 * uWS's WebSocket over a `ws` connection: topics through the app's TopicHub, send() answering with
 * uWS's backpressure status from the socket's unsent bytes, drain when the socket has written
 * everything, the idle timeout with automatic pings, and end()/close() that, as in uWS, run the
 * close handler at once (the object is dead from then on; the peer's close is not awaited).
 */
import type { Duplex } from 'node:stream';
import type { RecognizedString, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import type { WebSocket as WsConnection } from 'ws';
import { remoteAddressText, toArrayBuffer, toBuffer, toText } from './bytes.js';
import type { TopicHub, TopicSubscriber } from './topics.js';

/** uWS's send() results. */
const SENT = 1;
const BACKPRESSURE = 0;
const DROPPED = 2;

/** The close code a handler sees for a connection dropped without a close frame. */
const ABNORMAL_CLOSURE = 1006;

type SocketPart<U> = Pick<
  WebSocket<U>,
  'send' | 'getBufferedAmount' | 'end' | 'close' | 'subscribe' | 'unsubscribe' | 'isSubscribed' | 'getTopics' | 'cork' | 'getRemoteAddressAsText' | 'getUserData'
>;

export class FallbackWebSocket<U> implements SocketPart<U>, TopicSubscriber {
  private readonly topics = new Set<string>();
  private closed = false;
  /** Something arrived from the peer since the last idle check. */
  private heard = true;
  /** Idle checks in a row that heard nothing. */
  private silentChecks = 0;
  private readonly idleTimer: NodeJS.Timeout | undefined;
  private readonly remote: ArrayBuffer;

  constructor(
    private readonly client: WsConnection,
    private readonly socket: Duplex,
    private readonly userData: U,
    private readonly behavior: WebSocketBehavior<U>,
    private readonly hub: TopicHub,
    remoteAddress: string | undefined,
    private readonly onGone: (ws: FallbackWebSocket<U>) => void,
  ) {
    this.remote = remoteAddressText(remoteAddress);
    client.on('message', (data: Buffer, isBinary: boolean) => {
      this.heard = true;
      if (!this.closed) void behavior.message?.(this.self, toArrayBuffer(data), isBinary);
    });
    client.on('ping', () => (this.heard = true));
    client.on('pong', () => (this.heard = true));
    // ws reports protocol errors (oversized or invalid frames) and closes; 'close' follows.
    client.on('error', () => {});
    client.on('close', (code: number, reason: Buffer) => this.release(code, reason));
    socket.on('drain', () => {
      if (!this.closed) behavior.drain?.(this.self);
    });
    const idleSeconds = behavior.idleTimeout ?? 120;
    if (idleSeconds > 0) {
      // Checked every half timeout: silent for one check gets a ping, for two is closed.
      this.idleTimer = setInterval(() => this.checkIdle(), (idleSeconds * 1000) / 2);
      this.idleTimer.unref();
    }
  }

  private get self(): WebSocket<U> {
    return this as unknown as WebSocket<U>;
  }

  private checkIdle(): void {
    if (this.heard) {
      this.heard = false;
      this.silentChecks = 0;
      return;
    }
    this.silentChecks++;
    if (this.silentChecks >= 2) this.close();
    else if (this.behavior.sendPingsAutomatically !== false) this.client.ping();
  }

  send(message: RecognizedString, isBinary = false): number {
    if (this.closed) return DROPPED;
    const limit = this.behavior.maxBackpressure ?? 0;
    if (limit > 0 && this.getBufferedAmount() > limit) {
      if (this.behavior.closeOnBackpressureLimit) this.close();
      return DROPPED;
    }
    this.client.send(typeof message === 'string' ? message : toBuffer(message), { binary: isBinary });
    return this.getBufferedAmount() > 0 ? BACKPRESSURE : SENT;
  }

  /** Bytes handed to ws and not yet taken by the kernel. */
  getBufferedAmount(): number {
    return this.client.bufferedAmount;
  }

  /** A close frame with `code` and `shortMessage`; the close handler runs now. */
  end(code?: number, shortMessage?: RecognizedString): void {
    if (this.closed) return;
    const reason = shortMessage === undefined ? undefined : toText(shortMessage);
    this.release(code ?? 1000, Buffer.from(reason ?? ''));
    try {
      this.client.close(code, reason);
    } catch {
      // A code or reason ws refuses (reserved code, reason over 123 bytes): drop instead.
      this.client.terminate();
    }
  }

  /** Drops the connection without a close frame; the close handler runs now. */
  close(): void {
    if (this.closed) return;
    this.release(ABNORMAL_CLOSURE, Buffer.alloc(0));
    this.client.terminate();
  }

  subscribe(topic: RecognizedString): boolean {
    if (this.closed) return false;
    const name = toText(topic);
    this.topics.add(name);
    this.hub.join(name, this);
    // As uWS: subscribing always succeeds, already subscribed or not.
    return true;
  }

  unsubscribe(topic: RecognizedString): boolean {
    const name = toText(topic);
    if (!this.topics.delete(name)) return false;
    return this.hub.leave(name, this);
  }

  isSubscribed(topic: RecognizedString): boolean {
    return this.topics.has(toText(topic));
  }

  getTopics(): string[] {
    return [...this.topics];
  }

  /** Frames sent inside `cb` leave in one write. */
  cork(cb: () => void): WebSocket<U> {
    this.socket.cork();
    try {
      cb();
    } finally {
      this.socket.uncork();
    }
    return this.self;
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return this.remote;
  }

  getUserData(): U {
    return this.userData;
  }

  /** Once per connection: leaves every topic, then tells the behavior and the app. */
  private release(code: number, reason: Buffer): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    for (const topic of this.topics) this.hub.leave(topic, this);
    this.topics.clear();
    this.onGone(this);
    this.behavior.close?.(this.self, code, toArrayBuffer(reason));
  }
}
