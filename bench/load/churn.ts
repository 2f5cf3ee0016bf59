/**
 * The soak's clients: a few steady unfiltered ones that stay connected the whole time (their seqs
 * must be contiguous), and a population that churns: every tick some close and as many new ones
 * connect, unfiltered, filtered (shared / distinct keyword, regex), or resuming with `since` from a
 * seq up to a few minutes back (which makes the server replay from its history). Lean sockets, so
 * the clients cost little CPU.
 */
import { connectLean, scanSeqAndSeen, type LeanSocket } from './lean-ws.js';
import { CHANNEL_PATHS, filterOf, query } from './scenarios.js';

export interface ChurnOptions {
  host: string;
  port: number;
  /** Churning clients kept connected. */
  population: number;
  /** Of them, closed and replaced per tick. */
  perTick: number;
  steady: number;
}

export interface ChurnStats {
  connects: number;
  connectFailures: number;
  /** Subscribes with `since` sent. */
  resumes: number;
  /** Closed by us (churn). */
  closedByUs: number;
  /** Closed by the server or dropped, by close code. */
  serverCloses: Record<string, number>;
  messages: number;
  bytes: number;
  /** Seqs the steady clients missed (must stay 0) and seqs not above the previous one. */
  steadyLost: number;
  steadyOutOfOrder: number;
}

/** What a new churning client does, by its number (deterministic mix). */
const KINDS = ['none', 'none', 'shared', 'shared', 'shared', 'distinct', 'distinct', 'regex', 'resume-all', 'resume-filtered'] as const;

export class ChurnClients {
  readonly stats: ChurnStats = { connects: 0, connectFailures: 0, resumes: 0, closedByUs: 0, serverCloses: {}, messages: 0, bytes: 0, steadyLost: 0, steadyOutOfOrder: 0 };
  /** The newest seq a steady client saw (resumes start before it). */
  private newestSeq = 0;
  private epoch = '';
  private readonly churning = new Set<LeanSocket>();
  private readonly all = new Set<LeanSocket>();
  private opened = 0;
  private stopping = false;

  constructor(private readonly options: ChurnOptions) {}

  get connected(): number {
    return this.all.size;
  }

  async start(): Promise<void> {
    this.epoch = await this.readEpoch();
    for (let i = 0; i < this.options.steady; i++) await this.openSteady();
    while (this.churning.size < this.options.population) await this.openChurner();
  }

  /** Closes `perTick` random churners and opens as many new ones. */
  async tick(): Promise<void> {
    const victims = [...this.churning].sort(() => Math.random() - 0.5).slice(0, this.options.perTick);
    for (const socket of victims) {
      this.churning.delete(socket);
      this.stats.closedByUs++;
      socket.close(1000);
    }
    while (this.churning.size < this.options.population) await this.openChurner();
  }

  stop(): void {
    this.stopping = true;
    for (const socket of this.all) socket.socket.destroy();
  }

  /** The server's epoch, from the reply to a subscribe (needed by resuming clients). */
  private async readEpoch(): Promise<string> {
    let resolveEpoch: (epoch: string) => void = () => undefined;
    const epoch = new Promise<string>((resolve) => (resolveEpoch = resolve));
    const socket = await connectLean(this.options.host, this.options.port, '/', (data) => {
      const message = JSON.parse(data.toString()) as { message_type?: string; epoch?: string };
      if (message.message_type === 'subscribed' && message.epoch !== undefined) resolveEpoch(message.epoch);
    }, () => undefined);
    if (!socket) throw new Error('could not connect to read the epoch');
    socket.send(JSON.stringify({ type: 'subscribe', id: 'epoch', keywords: ['soak-never-matches'] }));
    const value = await epoch;
    socket.close(1000);
    return value;
  }

  private async connect(path: string, onMessage: (data: Buffer) => void): Promise<LeanSocket | null> {
    let socket: LeanSocket | null = null;
    socket = await connectLean(this.options.host, this.options.port, path, (data) => {
      this.stats.messages++;
      this.stats.bytes += data.length;
      onMessage(data);
    }, (code) => {
      if (socket) {
        this.all.delete(socket);
        this.churning.delete(socket);
      }
      if (!this.stopping && code !== 1000 && code !== 1005) this.stats.serverCloses[code] = (this.stats.serverCloses[code] ?? 0) + 1;
    });
    if (socket) {
      this.stats.connects++;
      this.all.add(socket);
    } else {
      this.stats.connectFailures++;
    }
    return socket;
  }

  private async openSteady(): Promise<void> {
    let last: number | null = null;
    await this.connect('/', (data) => {
      const { seq } = scanSeqAndSeen(data);
      if (seq === undefined) return;
      if (last !== null) {
        if (seq <= last) this.stats.steadyOutOfOrder++;
        else this.stats.steadyLost += seq - last - 1;
      }
      last = seq;
      if (seq > this.newestSeq) this.newestSeq = seq;
    });
  }

  private async openChurner(): Promise<void> {
    const i = this.opened++;
    const kind = KINDS[i % KINDS.length]!;
    const resume = kind === 'resume-all' || kind === 'resume-filtered';
    const filter = resume ? (kind === 'resume-filtered' ? filterOf('shared', i) : undefined) : filterOf(kind, i);
    const socket = await this.connect(resume ? CHANNEL_PATHS.lite : CHANNEL_PATHS.lite + query(filter), () => undefined);
    if (!socket) return;
    this.churning.add(socket);
    if (resume) {
      // Unfiltered resumes from up to 2 s back, filtered ones from up to 3 minutes back (at 1,000/s).
      const back = Math.floor(Math.random() * (kind === 'resume-all' ? 2_000 : 180_000));
      const since = { seq: Math.max(0, this.newestSeq - back), epoch: this.epoch };
      socket.send(JSON.stringify({ type: 'subscribe', id: 'resume', ...(filter ? { keywords: filter.keywords } : {}), since }));
      this.stats.resumes++;
    }
  }
}
