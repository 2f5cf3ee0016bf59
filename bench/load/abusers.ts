/**
 * Abusive clients for `load --abuse`, to measure that well-behaved clients see no change in latency
 * while others misbehave: flooders sending subscribe messages far over the rate limit, readers that
 * never read the full stream (evicted for backpressure), and senders of invalid JSON, huge frames,
 * 10,000-keyword filters and pathological regexes. Each is replaced as soon as the server closes
 * it, so the abuse lasts the whole run. Lean sockets, in the bench's main process.
 */
import { connectLean, type LeanSocket } from './lean-ws.js';

export interface AbuseStats {
  connects: number;
  connectFailures: number;
  messagesSent: number;
  /** Server closes by close code (4029 rate limited, 4008 backpressure, 1009 too big, ...). */
  closes: Record<string, number>;
}

type Kind = 'flood' | 'never-read' | 'garbage';

const PER_KIND = 5;
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
    const kinds: Kind[] = ['flood', 'never-read', 'garbage'];
    await Promise.all(kinds.flatMap((kind) => Array.from({ length: PER_KIND }, () => this.open(kind))));
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    this.stopping = true;
    clearInterval(this.timer);
    for (const socket of this.sockets.keys()) socket.socket.destroy();
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
