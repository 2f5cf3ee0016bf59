/**
 * The baseline for the load test: a CertStream server written the way most Node users would. The
 * same Ingest as ours (so the comparison isolates delivery), then the `ws` package, and for every
 * event a loop over every client that applies the client's filter in JS and `JSON.stringify`s the
 * message for that subscriber. Same URLs, URL filters (`?keywords=a,b&regex=R`), message format
 * and backpressure close code (4008) as ours, so the same clients run against both.
 *
 *   node dist/bench/baseline-server.js --log-list URL [--max-backpressure BYTES] [--poll-interval MS]
 */
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { Ingest, type CertEvent } from '../src/index.js';
import { followerOptionsFrom, reportToParent, SERVER_ARGS } from './load/server-child.js';
import { benchUsageError, parseBenchArgs } from './options.js';

const values = parseBenchArgs({ name: 'load', summary: 'the `ws` baseline server of the load benchmark (run by it)', options: SERVER_ARGS });
const logList = values['log-list'] ?? benchUsageError('load', '--log-list is required');
const maxBackpressure = values['max-backpressure'];

type Channel = 'full' | 'lite' | 'domains-only';
const CHANNEL_BY_PATH: Record<string, Channel> = { '/': 'lite', '/full-stream': 'full', '/domains-only': 'domains-only' };

interface Subscriber {
  ws: WebSocket;
  channel: Channel;
  keywords: string[];
  regexes: RegExp[];
}

const subscribers = new Set<Subscriber>();
const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http });

wss.on('connection', (ws, req) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const channel = CHANNEL_BY_PATH[url.pathname] ?? 'lite';
  const keywords = (url.searchParams.get('keywords') ?? '').split(',').map((k) => k.trim().toLowerCase()).filter((k) => k !== '');
  const regexes = url.searchParams.getAll('regex').map((r) => new RegExp(r));
  const subscriber: Subscriber = { ws, channel, keywords, regexes };
  subscribers.add(subscriber);
  ws.on('close', () => subscribers.delete(subscriber));
  ws.on('error', () => subscribers.delete(subscriber));
});

function matches(subscriber: Subscriber, domains: readonly string[]): boolean {
  if (subscriber.keywords.length === 0 && subscriber.regexes.length === 0) return true;
  for (const domain of domains) {
    const lower = domain.toLowerCase();
    if (subscriber.keywords.some((k) => lower.includes(k))) return true;
    if (subscriber.regexes.some((r) => r.test(domain))) return true;
  }
  return false;
}

function withoutDer<T extends { as_der: string }>(cert: T): Omit<T, 'as_der'> {
  const { as_der: _unused, ...rest } = cert;
  return rest;
}

/** The message object for a channel (built per subscriber, as a straightforward server does). */
function messageFor(channel: Channel, event: CertEvent): unknown {
  if (channel === 'domains-only') return { message_type: 'dns_entries', data: event.leaf_cert.all_domains, seq: event.seq };
  const leaf_cert = channel === 'full' ? event.leaf_cert : withoutDer(event.leaf_cert);
  const chain = channel === 'full' ? event.chain : event.chain.map(withoutDer);
  return { message_type: 'certificate_update', data: { ...event, leaf_cert, chain } };
}

const ingest = new Ingest({ logList, stateDir: null, follower: followerOptionsFrom(values) });
let entries = 0;
ingest.onEvent((event) => {
  entries++;
  const domains = event.leaf_cert.all_domains;
  for (const subscriber of subscribers) {
    if (subscriber.ws.readyState !== WebSocket.OPEN || !matches(subscriber, domains)) continue;
    subscriber.ws.send(JSON.stringify(messageFor(subscriber.channel, event)));
    // A client that cannot keep up is closed, with the same code as ours.
    if (subscriber.ws.bufferedAmount > maxBackpressure) {
      subscriber.ws.close(4008, 'backpressure');
      subscribers.delete(subscriber);
    }
  }
});
await ingest.start();
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const address = http.address();
if (address === null || typeof address === 'string') throw new Error('no port');
reportToParent(address.port, () => entries);
