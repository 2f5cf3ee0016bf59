/**
 * Prometheus metrics (`GET /metrics`). Ingest figures are read from the followers' status at scrape
 * time, so the hot paths only bump plain numbers; counters are advanced by the delta since the
 * previous scrape.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { LogStatus } from '../ingest/ingest.js';
import type { HistoryStats } from '../router/history.js';
import type { DedupeStats } from '../ingest/dedupe.js';
import type { RouteStats } from '../router/router.js';
import type { HttpSendStats } from './http-response.js';
import { CHANNELS, type Channel } from '../protocol/channels.js';

export interface MetricsSources {
  logs: () => LogStatus[];
  route: RouteStats;
  connections: () => Record<Channel, number>;
  backpressureCloses: () => number;
  /** Whether the server accepts connections, and how often it stopped for lack of descriptors. */
  descriptors: { readonly accepting: boolean; readonly pauses: number };
  /** Bytes queued to all WebSocket clients and not yet sent. */
  unsentBytes: () => number;
  /** Connections cut by the unsent-bytes budgets, per scope. */
  budgetCuts: () => { ip: number; total: number };
  clientErrors: () => Record<string, number>;
  /** WebSocket upgrades refused by a connection limit, per error code. */
  refusedUpgrades: () => Record<string, number>;
  rateLimitCloses: () => number;
  http: HttpSendStats;
  subscriptions: () => { subscriptions: number; topics: number; filters: number };
  history: () => HistoryStats;
  /** Open SSE and NDJSON streams per format (they are also counted in connections). */
  streams: () => Record<string, number>;
  /** Open connections per access token name (empty when tokens are off). */
  tokenConnections: () => ReadonlyMap<string, number>;
  /** Resume bookkeeping: gaps told to replaying clients, history resets, replay work. */
  resume: () => ResumeCounts;
  /** Subscribes refused by the filter budget, per reason. */
  filterBudgetRefusals: () => Record<string, number>;
  /** null when de-duplication is off. */
  dedupe: () => DedupeStats | null;
}

export interface ResumeCounts {
  gapMessages: number;
  lostEvents: number;
  replayEventsExamined: number;
}

/** Advances a counter series to an absolute value read from elsewhere. */
class CounterMirror {
  private readonly last = new Map<string, number>();
  constructor(private readonly counter: Counter<string>) {}
  set(labels: Record<string, string>, value: number): void {
    const key = JSON.stringify(labels);
    const delta = value - (this.last.get(key) ?? 0);
    if (delta > 0) this.counter.inc(labels, delta);
    this.last.set(key, value);
  }
}

export interface Metrics {
  readonly contentType: string;
  /** The Prometheus text exposition, counters brought up to date first. */
  render(): Promise<string>;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const entries = new CounterMirror(
    new Counter({ name: 'certstream_log_entries_total', help: 'Entries read per log', labelNames: ['log'], registers: [registry] }),
  );
  const parseErrors = new CounterMirror(
    new Counter({
      name: 'certstream_parse_errors_total',
      help: 'Entries or certificates that could not be decoded, per log and reason (each skipped)',
      labelNames: ['log', 'reason'],
      registers: [registry],
    }),
  );
  const fieldIssues = new CounterMirror(
    new Counter({
      name: 'certstream_cert_field_issues_total',
      help: 'Parts of streamed certificates that did not decode and were sent null, left out or as raw hex, per log and reason',
      labelNames: ['log', 'reason'],
      registers: [registry],
    }),
  );
  const fetchErrors = new CounterMirror(
    new Counter({ name: 'certstream_log_fetch_errors_total', help: 'Failed log requests (retried), per log and reason', labelNames: ['log', 'reason'], registers: [registry] }),
  );
  const skipped = new CounterMirror(
    new Counter({ name: 'certstream_log_skipped_entries_total', help: 'Entries skipped by the bounded catch-up', labelNames: ['log'], registers: [registry] }),
  );
  const sent = new CounterMirror(
    new Counter({ name: 'certstream_messages_sent_total', help: 'Messages sent to clients, per channel', labelNames: ['channel'], registers: [registry] }),
  );
  const backpressure = new CounterMirror(
    new Counter({ name: 'certstream_backpressure_closes_total', help: 'Connections closed because they could not keep up', registers: [registry] }),
  );
  const budgetCuts = new CounterMirror(
    new Counter({
      name: 'certstream_unsent_budget_cuts_total',
      help: 'Slow connections evicted (or, already evicted, dropped) because unsent bytes passed the per-IP or total budget',
      labelNames: ['scope'],
      registers: [registry],
    }),
  );
  const clientErrors = new CounterMirror(
    new Counter({ name: 'certstream_client_errors_total', help: 'Error replies to client messages, per code', labelNames: ['code'], registers: [registry] }),
  );
  const refusedUpgrades = new CounterMirror(
    new Counter({
      name: 'certstream_refused_connections_total',
      help: 'WebSocket upgrades refused by a connection limit, per error code',
      labelNames: ['code'],
      registers: [registry],
    }),
  );
  const historyDropped = new CounterMirror(
    new Counter({
      name: 'certstream_history_dropped_events_total',
      help: 'Events dropped from the resume history, per bound that dropped them (events, age, bytes)',
      labelNames: ['bound'],
      registers: [registry],
    }),
  );
  const historyResets = new CounterMirror(
    new Counter({ name: 'certstream_history_resets_total', help: 'Times the resume history started over (seq did not follow on)', registers: [registry] }),
  );
  new Gauge({
    name: 'certstream_history',
    help: 'Resume history: events held, bytes held, and seconds between the oldest and the newest event',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const h = sources.history();
      this.set({ kind: 'events' }, h.events);
      this.set({ kind: 'bytes' }, h.bytes);
      this.set({ kind: 'span_seconds' }, h.spanMs / 1000);
    },
  });
  const badFraming = new CounterMirror(
    new Counter({
      name: 'certstream_http_bad_framing_total',
      help: 'HTTP requests refused with 400 and closed: conflicting Content-Length or Transfer-Encoding',
      registers: [registry],
    }),
  );
  const acceptPauses = new CounterMirror(
    new Counter({ name: 'certstream_accept_pauses_total', help: 'Times the server stopped accepting connections because it ran out of file descriptors', registers: [registry] }),
  );
  new Gauge({
    name: 'certstream_accepting',
    help: '1 while new connections are accepted, 0 while paused for lack of file descriptors',
    registers: [registry],
    collect() {
      this.set(sources.descriptors.accepting ? 1 : 0);
    },
  });
  new Gauge({
    name: 'certstream_unsent_bytes',
    help: 'Bytes queued to WebSocket clients and not yet sent (bounded by the per-IP and total budgets)',
    registers: [registry],
    collect() {
      this.set(sources.unsentBytes());
    },
  });
  new Gauge({
    name: 'certstream_http_pending_responses',
    help: 'HTTP responses still being written to clients that read slowly (or not at all)',
    registers: [registry],
    collect() {
      this.set(sources.http.pending);
    },
  });
  const duplicates = new CounterMirror(
    new Counter({
      name: 'certstream_duplicates_total',
      help: 'Certificates already streamed within the dedupe window (marked duplicate_of), per log and reason (same_entry, final_after_precert)',
      labelNames: ['log', 'reason'],
      registers: [registry],
    }),
  );
  new Gauge({
    name: 'certstream_dedupe',
    help: 'De-duplication window: first sightings held (keys), bytes, and seconds over which every first sighting is held',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const d = sources.dedupe();
      if (!d) return;
      this.set({ kind: 'keys' }, d.keys);
      this.set({ kind: 'bytes' }, d.bytes);
      this.set({ kind: 'span_seconds' }, d.spanMs / 1000);
      this.set({ kind: 'window_seconds' }, d.windowMs / 1000);
    },
  });
  const rateLimitCloses = new CounterMirror(
    new Counter({ name: 'certstream_rate_limit_closes_total', help: 'Connections closed for flooding past the message rate limit', registers: [registry] }),
  );
  const counter = (name: string, help: string, labelNames: string[] = []): CounterMirror =>
    new CounterMirror(new Counter({ name, help, labelNames, registers: [registry] }));
  const replayGaps = counter('certstream_replay_gaps_total', 'Gap messages: a replay that promised recovery found events gone from the history');
  const replayLost = counter('certstream_replay_lost_events_total', 'Seqs covered by gap messages (events a resuming client may have missed)');
  const replayExamined = counter('certstream_replay_events_examined_total', 'History events examined by replays (their CPU work)');
  const budgetRefusals = counter('certstream_filter_budget_refusals_total', 'Subscribes refused by the filter budget, per reason', ['reason']);

  new Gauge({
    name: 'certstream_log_lag_entries',
    help: 'Entries in the log head not yet read, per log',
    labelNames: ['log'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.logs()) {
        if (s.treeSize !== null && s.next !== null) this.set({ log: s.name }, Math.max(0, s.treeSize - s.next));
      }
    },
  });
  new Gauge({
    name: 'certstream_log_entries_per_second',
    help: 'Entries read per second over the last 10 s, per log',
    labelNames: ['log'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.logs()) this.set({ log: s.name }, s.entriesPerSecond);
    },
  });
  new Gauge({
    name: 'certstream_log_tree_size',
    help: 'Latest verified tree size, per log',
    labelNames: ['log'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.logs()) if (s.treeSize !== null) this.set({ log: s.name }, s.treeSize);
    },
  });
  new Gauge({
    name: 'certstream_connections',
    help: 'Open connections (WebSockets and HTTP streams), per channel (of their path)',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      const counts = sources.connections();
      for (const channel of CHANNELS) this.set({ channel }, counts[channel]);
    },
  });
  new Gauge({
    name: 'certstream_http_streams',
    help: 'Open plain-HTTP streams (also counted in certstream_connections), per format (sse, ndjson)',
    labelNames: ['format'],
    registers: [registry],
    collect() {
      for (const [format, n] of Object.entries(sources.streams())) this.set({ format }, n);
    },
  });
  new Gauge({
    name: 'certstream_token_connections',
    help: 'Open connections per access token (by its name; only with --auth-tokens)',
    labelNames: ['token'],
    registers: [registry],
    collect() {
      for (const [token, n] of sources.tokenConnections()) this.set({ token }, n);
    },
  });
  const mirrorCounters = (): void => {
    for (const s of sources.logs()) {
      entries.set({ log: s.name }, s.entries);
      skipped.set({ log: s.name }, s.skipped);
      for (const [reason, n] of Object.entries({ ...s.badEntries, ...prefixed('cert_', s.parseErrors) })) {
        parseErrors.set({ log: s.name, reason }, n);
      }
      // ?? {}: a cluster edge may read the status of an ingester from before field issues existed.
      for (const [reason, n] of Object.entries(s.fieldIssues ?? {})) fieldIssues.set({ log: s.name, reason }, n);
      for (const [reason, n] of Object.entries(s.errors)) fetchErrors.set({ log: s.name, reason }, n);
    }
    for (const channel of CHANNELS) sent.set({ channel }, sources.route.sent[channel]);
    backpressure.set({}, sources.backpressureCloses());
    for (const [scope, n] of Object.entries(sources.budgetCuts())) budgetCuts.set({ scope }, n);
    for (const [code, n] of Object.entries(sources.clientErrors())) clientErrors.set({ code }, n);
    for (const [code, n] of Object.entries(sources.refusedUpgrades())) refusedUpgrades.set({ code }, n);
    rateLimitCloses.set({}, sources.rateLimitCloses());
    const history = sources.history();
    for (const [bound, n] of Object.entries(history.dropped)) historyDropped.set({ bound }, n);
    historyResets.set({}, history.resets);
    badFraming.set({}, sources.http.badFraming);
    acceptPauses.set({}, sources.descriptors.pauses);
    const resume = sources.resume();
    replayGaps.set({}, resume.gapMessages);
    replayLost.set({}, resume.lostEvents);
    replayExamined.set({}, resume.replayEventsExamined);
    for (const [reason, n] of Object.entries(sources.filterBudgetRefusals())) budgetRefusals.set({ reason }, n);
    for (const [log, counts] of Object.entries(sources.dedupe()?.duplicates ?? {})) {
      for (const [reason, n] of Object.entries(counts)) duplicates.set({ log, reason }, n);
    }
  };
  new Gauge({
    name: 'certstream_subscriptions',
    help: 'Active subscriptions, distinct pub/sub topics and distinct filters',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const s = sources.subscriptions();
      this.set({ kind: 'subscriptions' }, s.subscriptions);
      this.set({ kind: 'topics' }, s.topics);
      this.set({ kind: 'filters' }, s.filters);
    },
  });
  return {
    contentType: registry.contentType,
    render: () => {
      mirrorCounters();
      return registry.metrics();
    },
  };
}

function prefixed(prefix: string, counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${prefix}${k}`, v]));
}
