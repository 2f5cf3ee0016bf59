/**
 * One plain-HTTP stream of a channel (Server-Sent Events or NDJSON): the same messages a WebSocket
 * gets, framed for its format. uWS gives no buffered-amount for an HTTP response, so once a write
 * is refused the stream keeps its own queue until the socket is writable again: that queue is what
 * backpressure eviction measures.
 */
import type { HttpResponse } from 'uWebSockets.js';
import type { Channel } from '../protocol/channels.js';
import type { SubscriptionSet, TopicMember } from '../router/router.js';
import type { Replay } from '../router/replay.js';

export type StreamFormat = 'sse' | 'ndjson';

export const STREAM_CONTENT_TYPES: Readonly<Record<StreamFormat, string>> = {
  sse: 'text/event-stream; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

/** One message in a format's framing; `seq` becomes the SSE event id (resume point of Last-Event-ID). */
export function frame(format: StreamFormat, message: string, seq?: number): string {
  if (format === 'ndjson') return `${message}\n`;
  return seq === undefined ? `data: ${message}\n\n` : `id: ${seq}\ndata: ${message}\n\n`;
}

/**
 * A heartbeat. SSE sends it as a comment (EventSource shows nothing) and, with a seq, an id-only
 * event: that moves the browser's Last-Event-ID on without firing a message.
 */
export function heartbeatFrame(format: StreamFormat, heartbeatJson: string, seq?: number): string {
  if (format === 'ndjson') return `${heartbeatJson}\n`;
  return seq === undefined ? `: heartbeat\n\n` : `: heartbeat\nid: ${seq}\n\n`;
}

/** Hub side of topic membership, so a stream can be a Router TopicMember. */
export interface TopicRegistry {
  join(topic: string, stream: HttpStream): void;
  leave(topic: string, stream: HttpStream): void;
}

export class HttpStream implements TopicMember {
  readonly subs: SubscriptionSet = new Map();
  readonly topics = new Set<string>();
  replay: Replay | null = null;
  /** When the stream was cut off for backpressure (it gets nothing more), else null. */
  evictedAt: number | null = null;
  /** Set once the response is ended or aborted: nothing may touch `res` after that. */
  private ended = false;
  /** Chunks waiting for the socket to become writable, and their size. */
  private readonly queue: string[] = [];
  private queued = 0;
  private blocked = false;
  /** Last time anything was written (uWS drops an HTTP response idle for 10 s). */
  lastWriteMs = Date.now();

  constructor(
    private readonly res: HttpResponse,
    readonly format: StreamFormat,
    readonly channel: Channel,
    readonly ip: string,
    /** The token's name when access tokens are on, for per-token counts. */
    readonly token: string | null,
    private readonly registry: TopicRegistry,
    private readonly onEnd: (stream: HttpStream) => void,
  ) {
    res.onWritable(() => {
      this.flush();
      return !this.blocked;
    });
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  subscribe(topic: string): boolean {
    if (this.topics.has(topic)) return false;
    this.topics.add(topic);
    this.registry.join(topic, this);
    return true;
  }

  unsubscribe(topic: string): boolean {
    if (!this.topics.delete(topic)) return false;
    this.registry.leave(topic, this);
    return true;
  }

  /** Bytes accepted for this client and not yet handed to the socket. */
  bufferedAmount(): number {
    return this.queued;
  }

  /** Writes the response head and the first chunk. Only inside the request handler (or corked). */
  start(firstChunk: string): void {
    this.res.cork(() => {
      this.res
        .writeStatus('200 OK')
        .writeHeader('content-type', STREAM_CONTENT_TYPES[this.format])
        .writeHeader('cache-control', 'no-cache')
        // Tells nginx-like proxies not to buffer the stream.
        .writeHeader('x-accel-buffering', 'no');
      this.writeNow(firstChunk);
    });
  }

  write(chunk: string): void {
    if (this.ended) return;
    if (this.blocked) {
      this.queue.push(chunk);
      this.queued += chunk.length;
      return;
    }
    this.res.cork(() => this.writeNow(chunk));
  }

  private writeNow(chunk: string): void {
    this.lastWriteMs = Date.now();
    // false: uWS buffered what the socket refused; further chunks wait in our queue.
    if (!this.res.write(chunk)) this.blocked = true;
  }

  private flush(): void {
    if (this.ended) return;
    this.blocked = false;
    if (this.queue.length > 0) {
      const chunk = this.queue.join('');
      this.queue.length = 0;
      this.queued = 0;
      this.writeNow(chunk);
    }
    if (!this.blocked && this.evictedAt !== null) this.end(this.pendingGoodbye);
  }

  private pendingGoodbye = '';

  /**
   * Stops delivery (evicted streams get nothing more) and ends the response with `goodbye` once
   * what is queued has been sent; `drop` instead closes the socket at once.
   */
  finish(goodbye: string, now = Date.now()): void {
    if (this.ended || this.evictedAt !== null) return;
    this.evictedAt = now;
    this.pendingGoodbye = goodbye;
    for (const topic of [...this.topics]) this.unsubscribe(topic);
    this.replay?.cancel();
    if (!this.blocked) this.res.cork(() => this.end(goodbye));
  }

  private end(goodbye: string): void {
    if (this.release()) this.res.end(goodbye);
  }

  /** Closes the socket without ending the response (a peer that never drains). */
  drop(): void {
    if (this.release()) this.res.close();
  }

  /** The client went away: the response must not be touched again. */
  aborted(): void {
    this.release();
  }

  /** Leaves every topic and tells the owner, once; false when already ended. */
  private release(): boolean {
    if (this.ended) return false;
    this.ended = true;
    for (const topic of [...this.topics]) this.unsubscribe(topic);
    this.replay?.cancel();
    this.queue.length = 0;
    this.queued = 0;
    this.onEnd(this);
    return true;
  }
}
