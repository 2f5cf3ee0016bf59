/**
 * A worker thread holding many client connections to the server under test, `ws` ones that parse
 * every message (as real clients must) or lean ones that only scan for seq and seen (so the clients
 * are not the bottleneck at a million messages/s). Both check `seq` continuity (or, for a server
 * that sends no seq, `cert_index` continuity per log) and measure latency, the same way; they count
 * only while the parent says the measurement window is open.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { emptyHistogram, record, type Histogram } from './histogram.js';
import { request as httpRequest } from 'node:http';
import { connectLean, scanPosition, scanSeqAndSeen, scanSeqlessMessage } from './lean-ws.js';

export interface ClientSpec {
  /** Path and query, e.g. `/?keywords=cloud`. */
  path: string;
  /** With no filter every seq must arrive, one after the other; with a filter they must increase. */
  contiguous: boolean;
  /** The client's filter, to check against a reference client what it should have received. */
  filter?: { keywords: string[]; regex: string[] };
  /** Record each certificate's log, index and time of receipt (for end-to-end latency). */
  receipts?: boolean;
}

/** A certificate received: its log (`source.url`), `cert_index`, and when (ms since the epoch). */
export type Receipt = [log: string, index: number, receivedMs: number];

export type ClientTransport = 'ws' | 'lean' | 'sse';

export interface WorkerInput {
  /** ws://host:port */
  base: string;
  /** `ws` (parses every message) or lean (bench/load/lean-ws.ts: raw sockets, seq and seen found by a scan). */
  transport: ClientTransport;
  clients: ClientSpec[];
  /** The server sends no `seq` (certstream-server-go): continuity is checked per log by `cert_index`. */
  seqless?: boolean;
}

/** From the parent (which ends the worker with terminate()). */
export type WorkerCommand = { type: 'measure'; on: boolean } | { type: 'report' };

export interface ClientTotals {
  messages: number;
  bytes: number;
  /** Seqs skipped by clients that must see every one. */
  lost: number;
  /** A seq not above the previous one. */
  outOfOrder: number;
  /**
   * Filtered clients: certificates an unfiltered client of the same worker received during the
   * window that matched the filter (by the server's semantics, in JS) but never reached this client.
   */
  missedMatches: number;
  /** How many such expected matches were checked (0: no unfiltered client in the worker to check against). */
  checkedMatches: number;
  /** Closed by the server with the backpressure code (4008). */
  backpressureCloses: number;
  /** Any other close while the test ran (uWS's hard backstop drops without a close frame: 1006). */
  otherCloses: number;
  latency: Histogram;
  /** Only from clients with `receipts`. */
  receipts: Receipt[];
}

/** To the parent. */
export type WorkerEvent =
  | { type: 'connected'; open: number; failed: number }
  | { type: 'progress'; messages: number }
  | { type: 'report'; totals: ClientTotals };

const input = workerData as WorkerInput;
const port = parentPort!;

function emptyTotals(): ClientTotals {
  return { messages: 0, bytes: 0, lost: 0, outOfOrder: 0, missedMatches: 0, checkedMatches: 0, backpressureCloses: 0, otherCloses: 0, latency: emptyHistogram(), receipts: [] };
}

let measuring = false;
let totals = emptyTotals();

interface ParsedMessage {
  message_type?: string;
  seq?: number;
  data?: string[] | { seq?: number; seen?: number; cert_index?: number; source?: { url?: string }; leaf_cert?: { all_domains?: string[] } };
}

/** What the reference (the worker's first unfiltered client) received during the window. */
const reference = new Map<number, { domains: string[]; atMs: number }>();
let referenceClient: ClientSpec | undefined = input.clients.find((c) => c.filter === undefined);

/** Seqs received by each filtered client, for the check against the reference. */
const receivedByFiltered = new Map<ClientSpec, Set<number>>();

/** The server's semantics: a keyword is a case-insensitive substring of a domain, a regex matches a domain. */
function filterMatches(filter: { keywords: string[]; regex: RegExp[] }, domains: string[]): boolean {
  return domains.some((d) => filter.keywords.some((k) => d.toLowerCase().includes(k)) || filter.regex.some((r) => r.test(d)));
}

/** Counts the reference's matching certificates each filtered client missed (skipping the last second, still in flight). */
function checkFilteredClients(): void {
  const cutoff = Date.now() - 1000;
  for (const [spec, received] of receivedByFiltered) {
    if (!spec.filter) continue;
    const filter = { keywords: spec.filter.keywords.map((k) => k.toLowerCase()), regex: spec.filter.regex.map((r) => new RegExp(r)) };
    for (const [seq, { domains, atMs }] of reference) {
      if (atMs > cutoff || !filterMatches(filter, domains)) continue;
      totals.checkedMatches++;
      if (!received.has(seq)) totals.missedMatches++;
    }
  }
}

type Position = { log: string; index: number } | undefined;

/** What a client takes from one message: seq, seen (Unix seconds) and, lazily, the log position and domains. */
interface Decoded {
  /** A certificate_update or dns_entries (not a heartbeat or a reply). */
  certificate: boolean;
  seq: number | undefined;
  seen: number | undefined;
  position: () => Position;
  domains: () => string[];
}

const NOT_A_CERTIFICATE: Decoded = { certificate: false, seq: undefined, seen: undefined, position: () => undefined, domains: () => [] };

/** `ws` clients parse every message, as real clients must. */
function decodeParsed(data: Buffer): Decoded {
  const message = JSON.parse(data.toString()) as ParsedMessage;
  // Heartbeats carry the newest seq too, but are not certificates.
  if (message.message_type !== 'certificate_update' && message.message_type !== 'dns_entries') return NOT_A_CERTIFICATE;
  const fields = Array.isArray(message.data) ? undefined : message.data;
  const domains = (Array.isArray(message.data) ? message.data : fields?.leaf_cert?.all_domains) ?? [];
  const log = fields?.source?.url;
  const index = fields?.cert_index;
  const position = log !== undefined && index !== undefined ? { log, index } : undefined;
  return { certificate: true, seq: fields?.seq ?? message.seq, seen: fields?.seen, position: () => position, domains: () => domains };
}

/** Lean clients scan for seq and seen; only the reference client parses (for the domains). */
function decodeScanned(data: Buffer): Decoded {
  const { seq, seen } = scanSeqAndSeen(data);
  if (seq === undefined) return NOT_A_CERTIFICATE;
  return { certificate: true, seq, seen, position: () => scanPosition(data), domains: () => decodeParsed(data).domains() };
}

/** Lean clients of a server without seq scan for the message type and seen, and the position when needed. */
function decodeScannedSeqless(data: Buffer): Decoded {
  const { certificate, seen } = scanSeqlessMessage(data);
  if (!certificate) return NOT_A_CERTIFICATE;
  return { certificate, seq: undefined, seen, position: () => scanPosition(data), domains: () => decodeParsed(data).domains() };
}

/**
 * domains-only messages carry no `seen`: their latency is measured against the `seen` of the same
 * seq on a lite "clock" connection of the worker (not counted as a client). Receipts that come
 * before the clock's copy wait for it.
 */
const seenBySeq = new Map<number, number>();
const waitingForSeen = new Map<number, number[]>();
const SEEN_KEPT = 100_000;

function clockSeen(seq: number, seen: number): void {
  seenBySeq.set(seq, seen);
  seenBySeq.delete(seq - SEEN_KEPT);
  const waiting = waitingForSeen.get(seq);
  if (!waiting) return;
  waitingForSeen.delete(seq);
  for (const receivedMs of waiting) record(totals.latency, receivedMs - seen * 1000);
}

function recordLatency(seq: number | undefined, seen: number | undefined, receivedMs: number): void {
  // `seen`: when the server's ingest read the entry from the log (same machine, same clock).
  const clockTime = seen ?? (seq === undefined ? undefined : seenBySeq.get(seq));
  if (clockTime !== undefined) return record(totals.latency, receivedMs - clockTime * 1000);
  // Without seq (certstream-server-go's domains-only) there is no way to time a message.
  if (seq === undefined) return;
  const waiting = waitingForSeen.get(seq);
  if (waiting) waiting.push(receivedMs);
  else waitingForSeen.set(seq, [receivedMs]);
}

/** One client's receive path, the same for both transports. */
function receiver(spec: ClientSpec, decode: (data: Buffer) => Decoded): (data: Buffer) => void {
  let lastSeq: number | null = null;
  /** Without seq: the last cert_index per log. */
  const lastIndexByLog = new Map<string, number>();
  const received = new Set<number>();
  if (spec.filter) receivedByFiltered.set(spec, received);
  /** The step from `last` to `now`: out of order, or (for clients that must see everything) lost ones. */
  const check = (last: number | null | undefined, now: number): void => {
    if (last === null || last === undefined) return;
    if (now <= last) totals.outOfOrder++;
    else if (spec.contiguous && now > last + 1) totals.lost += now - last - 1;
  };
  return (data) => {
    const receivedMs = Date.now();
    const { certificate, seq, seen, position, domains } = decode(data);
    if (!certificate) return; // heartbeats and replies
    if (spec.filter && seq !== undefined) received.add(seq);
    if (measuring && spec === referenceClient && seq !== undefined) reference.set(seq, { domains: domains(), atMs: receivedMs });
    const where = seq === undefined || spec.receipts ? position() : undefined;
    if (measuring) {
      totals.messages++;
      totals.bytes += data.length;
      if (seq !== undefined) check(lastSeq, seq);
      else if (where) check(lastIndexByLog.get(where.log), where.index);
      recordLatency(seq, seen, receivedMs);
      if (spec.receipts && where) totals.receipts.push([where.log, where.index, receivedMs]);
    }
    if (seq !== undefined) lastSeq = seq;
    if (where) lastIndexByLog.set(where.log, where.index);
  };
}

function closed(spec: ClientSpec, opened: boolean, code: number): void {
  // A reference that is closed cannot vouch for anything.
  if (spec === referenceClient) referenceClient = undefined;
  if (!opened) return; // counted as a connect failure
  if (code === 4008) totals.backpressureCloses++;
  else totals.otherCloses++;
}

function openWs(spec: ClientSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(input.base + spec.path, { perMessageDeflate: false });
    ws.on('message', receiver(spec, decodeParsed));
    let opened = false;
    ws.once('open', () => {
      opened = true;
      resolve(true);
    });
    ws.once('error', () => resolve(false));
    ws.once('close', (code) => closed(spec, opened, code));
  });
}

async function openLean(spec: ClientSpec): Promise<boolean> {
  const url = new URL(input.base);
  let opened = false;
  const decode = input.seqless ? decodeScannedSeqless : decodeScanned;
  const socket = await connectLean(url.hostname, Number(url.port), spec.path, receiver(spec, decode), (code) => closed(spec, opened, code));
  opened = socket !== null;
  return opened;
}

/** The lite connection whose `seen` times the worker's domains-only messages. */
async function openClock(): Promise<void> {
  const url = new URL(input.base);
  const onMessage = (data: Buffer): void => {
    const { seq, seen } = scanSeqAndSeen(data);
    if (seq !== undefined && seen !== undefined) clockSeen(seq, seen);
  };
  if ((await connectLean(url.hostname, Number(url.port), '/', onMessage, () => undefined)) === null) throw new Error('the clock connection failed');
}

/** An SSE stream of the same path (ours only): each `data:` line is one message, parsed like a ws one. */
function openSse(spec: ClientSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const receive = receiver(spec, decodeParsed);
    let opened = false;
    const req = httpRequest(input.base.replace(/^ws/, 'http') + spec.path, { headers: { accept: 'text/event-stream' } }, (res) => {
      opened = res.statusCode === 200;
      resolve(opened);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const data = block.indexOf('data: ');
          if (data >= 0) receive(Buffer.from(block.slice(data + 6)));
        }
      });
      res.on('close', () => closed(spec, opened, 0));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

const open = input.transport === 'lean' ? openLean : input.transport === 'sse' ? openSse : openWs;

/** Opens the connections a few hundred at a time, so 10,000 do not hit the server at once. */
async function openAll(): Promise<void> {
  let openCount = 0;
  let failed = 0;
  if (input.clients.some((c) => c.path.startsWith('/domains-only'))) await openClock();
  const inFlight = 200;
  for (let i = 0; i < input.clients.length; i += inFlight) {
    const results = await Promise.all(input.clients.slice(i, i + inFlight).map(open));
    for (const ok of results) if (ok) openCount++; else failed++;
  }
  post({ type: 'connected', open: openCount, failed });
}

function post(event: WorkerEvent): void {
  port.postMessage(event);
}

port.on('message', (command: WorkerCommand) => {
  if (command.type === 'measure') {
    if (command.on) {
      totals = emptyTotals();
      // Filtered clients keep every seq since they connected: one that arrived just before the
      // window opened must not count as missed.
      reference.clear();
      waitingForSeen.clear();
    }
    measuring = command.on;
  } else {
    if (referenceClient) checkFilteredClients();
    post({ type: 'report', totals });
  }
});

// Progress for the parent's status line.
setInterval(() => post({ type: 'progress', messages: totals.messages }), 1000);
await openAll();
