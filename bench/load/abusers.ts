/**
 * Abusive clients for `load --abuse`, to measure that well-behaved clients see no change in latency
 * while others misbehave: flooders sending subscribe messages far over the rate limit, readers that
 * never read the full stream (evicted for backpressure), and senders of invalid JSON, huge frames,
 * 10,000-keyword filters and pathological regexes; and at the HTTP/TCP level (issue 15), clients
 * pipelining GET /latest.json without reading, plain TCP connections that never send a request,
 * and many never-readers sharing one address (the per-IP unsent-bytes budget). Each is replaced as
 * soon as the server closes it, so the abuse lasts the whole run. Lean or raw sockets, in the
 * bench's main process.
 */
import { connect, type Socket } from 'node:net';
import { connectLean, type LeanSocket } from './lean-ws.js';

export interface AbuseStats {
  connects: number;
  connectFailures: number;
  messagesSent: number;
  /** Server closes by close code (4029 rate limited, 4008 backpressure, 1009 too big, ...; tcp-<kind> for raw sockets). */
  closes: Record<string, number>;
}

type RawKind = 'pipeline' | 'idle-tcp';

type Kind = 'flood' | 'never-read' | 'garbage';

const PER_KIND = 5;
/** Never-readers on /full-stream, all from 127.0.0.1: 50 × 4 MiB would be 200 MiB without the per-IP budget. */
const NEVER_READERS = 50;
/** Raw sockets pipelining GET /latest.json, each sending PIPELINED requests and never reading. */
const PIPELINERS = 4;
const PIPELINED = 5_000;
/** Plain TCP connections that never send a byte (uWS closes them after ~10 s; they come back). */
const IDLE_TCP = 200;
const TICK_MS = 50;
/** Subscribe messages a flooder sends per tick: 2,000/s, 100× the default limit. */
const FLOOD_PER_TICK = 100;

const HUGE_FRAME = 'x'.repeat(2 * 1024 * 1024);
const MANY_KEYWORDS = JSON.stringify({ type: 'subscribe', id: 'many', keywords: Array.from({ length: 10_000 }, (_, i) => `kw${i}`) });
const GARBAGE = ['{"type":"subscribe",', 'not json at all', HUGE_FRAME, MANY_KEYWORDS, JSON.stringify({ type: 'subscribe', id: 'evil', regex: ['(a+)+$', '(x|x|x)*y', '(?:a?){30}a{30}'] })];

export class Abusers {
  readonly stats: AbuseStats = { connects: 0, connectFailures: 0, messagesSent: 0, closes: {} };
  private readonly sockets = new Map<LeanSocket, Kind>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private garbageTurn = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    await Promise.all([
      ...(['flood', 'garbage'] as const).flatMap((kind) => Array.from({ length: PER_KIND }, () => this.open(kind))),
      ...Array.from({ length: NEVER_READERS }, () => this.open('never-read')),
    ]);
    for (let i = 0; i < PIPELINERS; i++) this.openRaw('pipeline');
    for (let i = 0; i < IDLE_TCP; i++) this.openRaw('idle-tcp');
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    this.stopping = true;
    clearInterval(this.timer);
    for (const socket of this.sockets.keys()) socket.socket.destroy();
    for (const socket of this.raw) socket.destroy();
  }

  private readonly raw = new Set<Socket>();

  /** A raw TCP abuser, reopened 100 ms after the server closes it. */
  private openRaw(kind: RawKind): void {
    if (this.stopping) return;
    const socket = connect(this.port, this.host, () => {
      this.stats.connects++;
      if (kind === 'pipeline') {
        socket.pause();
        socket.write('GET /latest.json HTTP/1.1\r\nHost: bench\r\n\r\n'.repeat(PIPELINED));
        this.stats.messagesSent += PIPELINED;
      }
    });
    this.raw.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.raw.delete(socket);
      const key = `tcp-${kind}`;
      this.stats.closes[key] = (this.stats.closes[key] ?? 0) + 1;
      setTimeout(() => this.openRaw(kind), 100);
    });
    // A paused socket sees no end: look for it now and then.
    if (kind === 'pipeline') setTimeout(() => socket.resume(), 15_000).unref();
  }

  private async open(kind: Kind): Promise<void> {
    if (this.stopping) return;
    const path = kind === 'never-read' ? '/full-stream' : '/';
    const socket = await connectLean(this.host, this.port, path, () => undefined, (code) => {
      this.sockets.delete(socket!);
      this.stats.closes[code] = (this.stats.closes[code] ?? 0) + 1;
      setTimeout(() => void this.open(kind), 100);
    });
    if (!socket) {
      this.stats.connectFailures++;
      setTimeout(() => void this.open(kind), 500);
      return;
    }
    this.stats.connects++;
    this.sockets.set(socket, kind);
    // Never reading: the kernel buffers fill, then the server's.
    if (kind === 'never-read') socket.socket.pause();
  }

  private tick(): void {
    for (const [socket, kind] of this.sockets) {
      if (!socket.socket.writable) continue;
      if (kind === 'flood') {
        for (let i = 0; i < FLOOD_PER_TICK; i++) socket.send(JSON.stringify({ type: 'subscribe', id: `f${i % 10}`, keywords: [`flood${i}`] }));
        this.stats.messagesSent += FLOOD_PER_TICK;
      } else if (kind === 'garbage') {
        socket.send(GARBAGE[this.garbageTurn++ % GARBAGE.length]!);
        this.stats.messagesSent++;
      }
    }
  }
}
