/**
 * Abusive clients for `load --abuse`, to measure that well-behaved clients see no change in latency
 * while others misbehave. From the measured clients' IP (127.0.0.1): flooders sending subscribe
 * messages far over the rate limit, readers that never read the full stream (evicted for
 * backpressure; 50 of them, for the per-IP unsent-bytes budget), and senders of invalid JSON, huge
 * frames, 10,000-keyword filters and pathological regexes; at the HTTP/TCP level, clients pipelining
 * GET /latest.json without reading and plain TCP connections that never send a request. From another
 * IP (127.0.0.2), attacks that stay inside every per-connection limit (issue 15): keyword churn (16
 * subscribes/s, each with 256 new 200-character keywords), regexes without literals (16
 * subscriptions of 64 distinct `(?i)` regexes per connection) and a replay storm (re-subscribing
 * every second with `since` at the oldest history entry and a filter that never matches). Each is
 * replaced as soon as the server closes it, so the abuse lasts the whole run. Lean or raw sockets, in
 * the bench's main process.
 */
import { connect, type Socket } from 'node:net';
import { connectLean, type LeanSocket } from './lean-ws.js';

export interface AbuseStats {
  connects: number;
  connectFailures: number;
  messagesSent: number;
  /** Server closes by close code (4029 rate limited, 4008 backpressure, 1009 too big, ...; tcp-<kind> for raw sockets). */
  closes: Record<string, number>;
  /** Replies to the in-limit attackers, by message_type or error code (subscribed, rate_limited, ...). */
  replies: Record<string, number>;
}

type RawKind = 'pipeline' | 'idle-tcp';

type Kind = 'flood' | 'never-read' | 'garbage' | 'keyword-churn' | 'scan-regex' | 'replay-storm';

/**
 * Connections per kind: the in-limit attacks use the sizes; 50 never-readers on
 * /full-stream from one address would hold 200 MiB without the per-IP unsent-bytes budget.
 */
const COUNT: Record<Kind, number> = { flood: 5, 'never-read': 50, garbage: 5, 'keyword-churn': 10, 'scan-regex': 20, 'replay-storm': 20 };
const ATTACKER_IP = '127.0.0.2';
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

interface Attacker {
  readonly kind: Kind;
  readonly n: number;
  /** For the replay storm: the server's epoch and oldest history seq, learnt from its replies. */
  epoch?: string | undefined;
  oldest?: number | undefined;
}

export class Abusers {
  readonly stats: AbuseStats = { connects: 0, connectFailures: 0, messagesSent: 0, closes: {}, replies: {} };
  private readonly sockets = new Map<LeanSocket, Attacker>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private garbageTurn = 0;
  private ticks = 0;
  private fresh = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    const kinds = Object.keys(COUNT) as Kind[];
    await Promise.all(kinds.flatMap((kind) => Array.from({ length: COUNT[kind] }, (_, n) => this.open(kind, n))));
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

  private async open(kind: Kind, n: number): Promise<void> {
    if (this.stopping) return;
    const path = kind === 'never-read' ? '/full-stream' : kind === 'flood' || kind === 'garbage' ? '/' : '/domains-only';
    const inLimits = kind === 'keyword-churn' || kind === 'scan-regex' || kind === 'replay-storm';
    const attacker: Attacker = { kind, n };
    const socket = await connectLean(
      this.host,
      this.port,
      path,
      (payload) => {
        if (inLimits) this.onReply(attacker, payload);
      },
      (code) => {
        this.sockets.delete(socket!);
        this.stats.closes[code] = (this.stats.closes[code] ?? 0) + 1;
        setTimeout(() => void this.open(kind, n), 100);
      },
      inLimits ? ATTACKER_IP : undefined,
    );
    if (!socket) {
      this.stats.connectFailures++;
      setTimeout(() => void this.open(kind, n), 500);
      return;
    }
    this.stats.connects++;
    this.sockets.set(socket, attacker);
    // Never reading: the kernel buffers fill, then the server's.
    if (kind === 'never-read') socket.socket.pause();
    if (kind === 'scan-regex') for (let id = 0; id < 16; id++) this.send(socket, this.scanRegexSubscribe(n, id));
    if (kind === 'replay-storm') this.send(socket, JSON.stringify({ type: 'subscribe', id: 'p', keywords: ['zzq-never-matches'], since: { seq: 0, epoch: 'unknown' } }));
  }

  private send(socket: LeanSocket, text: string): void {
    socket.send(text);
    this.stats.messagesSent++;
  }

  /** Counts the replies of the in-limit attackers; the replay storm learns where the history starts. */
  private onReply(attacker: Attacker, payload: Buffer): void {
    if (payload[17] === 0x63 || payload[17] === 0x64) return; // certificate_update, dns_entries
    const reply = JSON.parse(payload.toString('utf8')) as { message_type: string; code?: string; epoch?: string; seq?: number; oldest_seq?: number };
    const key = reply.code ?? reply.message_type;
    this.stats.replies[key] = (this.stats.replies[key] ?? 0) + 1;
    if (attacker.kind === 'replay-storm' && reply.message_type === 'subscribed') {
      attacker.epoch = reply.epoch;
      if (reply.oldest_seq !== undefined) attacker.oldest = reply.oldest_seq;
      attacker.oldest ??= reply.seq;
    }
  }

  /** 64 distinct case-insensitive regexes, none with a literal the router could prefilter on. */
  private scanRegexSubscribe(n: number, id: number): string {
    const round = this.fresh++;
    const regex = Array.from({ length: 64 }, (_, i) => `(?i)^\\w*${n}x${round}y${i}[a-z]*\\d`);
    return JSON.stringify({ type: 'subscribe', id: `r${id}`, regex });
  }

  private tick(): void {
    this.ticks++;
    for (const [socket, attacker] of this.sockets) {
      if (!socket.socket.writable) continue;
      switch (attacker.kind) {
        case 'flood':
          for (let i = 0; i < FLOOD_PER_TICK; i++) socket.send(JSON.stringify({ type: 'subscribe', id: `f${i % 10}`, keywords: [`flood${i}`] }));
          this.stats.messagesSent += FLOOD_PER_TICK;
          break;
        case 'garbage':
          this.send(socket, GARBAGE[this.garbageTurn++ % GARBAGE.length]!);
          break;
        case 'keyword-churn': {
          // 16 a second (4 ticks of 5), under the 20/s message limit.
          if (this.ticks % 5 === 0) break;
          const round = this.fresh++;
          const keywords = Array.from({ length: 256 }, (_, k) => `${attacker.n}-${round}-${k}-`.padEnd(200, 'q'));
          this.send(socket, JSON.stringify({ type: 'subscribe', id: `c${round % 16}`, keywords }));
          break;
        }
        case 'scan-regex':
          // Every 2 s, one subscription replaced with new regexes.
          if (this.ticks % 40 === attacker.n % 40) this.send(socket, this.scanRegexSubscribe(attacker.n, this.ticks % 16));
          break;
        case 'replay-storm':
          if (this.ticks % 20 === attacker.n % 20 && attacker.epoch !== undefined && attacker.oldest !== undefined) {
            this.send(socket, JSON.stringify({ type: 'subscribe', id: 'p', keywords: ['zzq-never-matches'], since: { seq: attacker.oldest, epoch: attacker.epoch } }));
          }
          break;
        case 'never-read':
          break;
      }
    }
  }
}
