/**
 * Topic fan-out for plain-HTTP streams: uWS publishes to WebSockets only, so the Router's messages
 * reach SSE/NDJSON streams through this hub, framed once per format and published message. Also
 * keeps idle streams alive and evicts streams that cannot keep up, as the server does WebSockets.
 */
import { heartbeat } from '../protocol/wire.js';
import { frame, heartbeatFrame, type HttpStream, type StreamFormat, type TopicRegistry } from './http-stream.js';

/** uWS ends an HTTP response after 10 s without a write: idle streams get a heartbeat before that. */
export const STREAM_KEEPALIVE_MS = 5_000;

export class StreamHub implements TopicRegistry {
  private readonly topics = new Map<string, Set<HttpStream>>();
  readonly streams = new Set<HttpStream>();

  add(stream: HttpStream): void {
    this.streams.add(stream);
  }

  remove(stream: HttpStream): void {
    this.streams.delete(stream);
  }

  join(topic: string, stream: HttpStream): void {
    let members = this.topics.get(topic);
    if (!members) this.topics.set(topic, (members = new Set()));
    members.add(stream);
  }

  leave(topic: string, stream: HttpStream): void {
    const members = this.topics.get(topic);
    if (!members) return;
    members.delete(stream);
    if (members.size === 0) this.topics.delete(topic);
  }

  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  publish(topic: string, message: string, seq?: number): void {
    const members = this.topics.get(topic);
    if (!members) return;
    const framed: Partial<Record<StreamFormat, string>> = {};
    for (const stream of members) stream.write((framed[stream.format] ??= frame(stream.format, message, seq)));
  }

  /** The periodic heartbeat, to `topic`'s members (streams that are not replaying). */
  heartbeat(topic: string, nowMs: number, seq: number | undefined): void {
    const members = this.topics.get(topic);
    if (!members) return;
    const json = heartbeat(nowMs, seq);
    for (const stream of members) stream.write(heartbeatFrame(stream.format, json, seq));
  }

  /** A seq-less heartbeat to every stream that has been quiet for STREAM_KEEPALIVE_MS. */
  keepAlive(nowMs = Date.now()): void {
    const json = heartbeat(nowMs);
    for (const stream of this.streams) {
      if (stream.evictedAt === null && nowMs - stream.lastWriteMs >= STREAM_KEEPALIVE_MS) stream.write(heartbeatFrame(stream.format, json));
    }
  }

  /**
   * Evicts streams with more than `maxBuffered` bytes queued (they get nothing more, then `goodbye`
   * once drained) and drops evicted ones still not drained after `graceMs`. Returns the evictions.
   */
  sweep(maxBuffered: number, graceMs: number, goodbye: string, nowMs = Date.now()): HttpStream[] {
    const evicted: HttpStream[] = [];
    for (const stream of this.streams) {
      if (stream.evictedAt !== null) {
        if (nowMs - stream.evictedAt > graceMs) stream.drop();
      } else if (stream.bufferedAmount() > maxBuffered) {
        stream.finish(frame(stream.format, goodbye), nowMs);
        evicted.push(stream);
      }
    }
    return evicted;
  }

  /** Ends every stream with `goodbye` (server shutdown). */
  endAll(goodbye: string): void {
    for (const stream of [...this.streams]) stream.finish(frame(stream.format, goodbye));
  }

  /** Open streams per format. */
  counts(): Record<StreamFormat, number> {
    const counts: Record<StreamFormat, number> = { sse: 0, ndjson: 0 };
    for (const stream of this.streams) counts[stream.format]++;
    return counts;
  }
}
