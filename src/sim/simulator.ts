/**
 * A local CT ecosystem for tests, the benchmark and offline demos: several RFC 6962 and static-ct
 * logs on one HTTP server, with a v3 log list, real Merkle trees and signatures, growth on a timer
 * or on demand, and fault injection. `startSimulator` is the entry point.
 */
import { CertFactory } from './cert-factory.js';
import { loadCertificatesDir } from './cert-dir.js';
import { EntrySource } from './entry-source.js';
import type { FaultSpec } from './faults.js';
import { GrowthDriver, type GrowthStats } from './growth.js';
import { planLogs } from './log-catalog.js';
import { buildLogList, type LogListJson, type TemporalInterval } from './log-list-json.js';
import { createRng, type Rng } from './rng.js';
import { SimServer, type SimServerBackend } from './server.js';
import { SimLog, type SimLogConfig } from './sim-log.js';
import type { SimCertificate } from './types.js';

export interface SimulatorOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: an ephemeral port). */
  port?: number;
  /** Base URL written into the log list, for a host bound to 0.0.0.0 (default http://host:port/). */
  publicUrl?: string;
  /** Number of RFC 6962 logs (default 3: Argon-like 32/request, Oak-like 256 aligned, Nimbus-like 1000). */
  rfc6962Logs?: number;
  /** Number of static-ct-api logs (default 2). */
  tiledLogs?: number;
  /** Entries per second summed over all logs, added on a timer (default 0: grow only via append). */
  rate?: number;
  /** get-entries limit for every RFC 6962 log (default: each log family's real limit). */
  batchLimit?: number;
  /** Coerce get-entries to aligned ranges on every RFC 6962 log (default: only Oak-like logs). */
  alignGetEntries?: boolean;
  /** Minimum ms between STHs of a growing RFC 6962 log (default 1000). */
  sthIntervalMs?: number;
  /** Minimum ms between checkpoints of a growing static-ct log (default 1000). */
  checkpointIntervalMs?: number;
  /** Seed for names, serials, the entry mix and fault probabilities. */
  seed?: number | string;
  /** Folder of real certificates (PEM/DER) to mix into the logs. */
  certsDir?: string;
  /** Share of entries taken from certsDir (default 0.2 when it has certificates). */
  realCertShare?: number;
  /** Share of precertificates among new certificates (default 0.7). */
  precertShare?: number;
  /** Share of entries re-logging another log's recent certificate (default 0.4). */
  duplicateShare?: number;
  /** Share of new precertificates whose final certificate is logged some entries later (default 0.3). */
  finalShare?: number;
  /** Entries appended to every log before the server answers (default 0). */
  initialEntries?: number;
  /** static-ct: gzip data tiles even when the client does not ask (default false). */
  alwaysGzip?: boolean;
  /** static-ct: 404 partial tiles once the full tile exists (default false). */
  deletePartialTiles?: boolean;
  /** static-ct: add a GREASE signature line to checkpoints, like Sunlight (default true). */
  greaseCheckpoints?: boolean;
  /** Clock in ms (tests may freeze or step it). */
  now?: () => number;
  /** Reuse a factory (and its PKI) across simulators. */
  factory?: CertFactory;
}

export interface Simulator {
  /** Base URL of the server, ending in "/". */
  readonly url: string;
  readonly logListUrl: string;
  readonly logs: readonly SimLog[];
  readonly factory: CertFactory;
  /** A log by slug; throws for an unknown slug. */
  log(slug: string): SimLog;
  /** Appends `count` entries to one log, or to every log, and publishes new tree heads at once. */
  append(count: number, slug?: string): void;
  /** Appends given certificates to a log (e.g. from factory.issue({dnsNames: [...]})) and publishes. */
  appendCertificates(slug: string, certs: readonly SimCertificate[]): void;
  /** Publishes a tree head on every log now. */
  publish(): void;
  /** Replaces the faults of one log, or of every log with "*". Throws on an invalid spec. */
  setFaults(slug: string, faults: FaultSpec): void;
  clearFaults(): void;
  /** Timer growth counters (appended / dropped because generation fell behind). */
  readonly growth: GrowthStats;
  close(): Promise<void>;
}

function baseUrlFor(host: string, port: number): string {
  const visible = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${visible}:${port}/`;
}

class RunningSimulator implements Simulator, SimServerBackend {
  logs: SimLog[] = [];
  url = '';
  readonly rng: Rng;
  private readonly bySlug = new Map<string, SimLog>();
  private readonly intervals = new Map<string, TemporalInterval>();
  private readonly createdAt: number;
  private rootDers: Uint8Array[] = [];
  private source: EntrySource | undefined;
  private driver: GrowthDriver | undefined;
  readonly server: SimServer;

  constructor(
    readonly factory: CertFactory,
    private readonly options: SimulatorOptions,
    private readonly now: () => number,
  ) {
    this.rng = createRng(options.seed === undefined ? undefined : `${options.seed}/sim`);
    this.createdAt = now();
    this.server = new SimServer(this);
  }

  get logListUrl(): string {
    return `${this.url}log_list.json`;
  }

  get growth(): GrowthStats {
    return this.driver?.stats ?? { appended: 0, dropped: 0 };
  }

  /** Creates the logs once the server's address is known (their URLs and origins depend on it). */
  setUp(baseUrl: string, realCertificates: readonly SimCertificate[]): void {
    this.url = baseUrl;
    const o = this.options;
    const planned = planLogs(o.rfc6962Logs ?? 3, o.tiledLogs ?? 2, this.createdAt);
    for (const p of planned) {
      const config: SimLogConfig = {
        slug: p.slug,
        description: p.description,
        operator: p.operator,
        api: p.api,
        batchLimit: o.batchLimit ?? p.batchLimit,
        alignGetEntries: o.alignGetEntries ?? p.alignGetEntries,
        publishIntervalMs: p.api === 'rfc6962' ? (o.sthIntervalMs ?? 1000) : (o.checkpointIntervalMs ?? 1000),
        weight: p.weight,
        alwaysGzip: o.alwaysGzip ?? false,
        deletePartialTiles: o.deletePartialTiles ?? false,
        greaseCheckpoints: o.greaseCheckpoints ?? true,
      };
      const url = p.api === 'rfc6962' ? `${baseUrl}logs/${p.slug}/` : `${baseUrl}submit/${p.slug}/`;
      const monitoringUrl = p.api === 'rfc6962' ? url : `${baseUrl}monitor/${p.slug}/`;
      const origin = url.replace(/^https?:\/\//, '').replace(/\/$/, '');
      const log = new SimLog(config, { url, monitoringUrl, origin });
      this.logs.push(log);
      this.bySlug.set(p.slug, log);
      this.intervals.set(p.slug, p.temporalInterval);
    }
    // Final certificates embed SCTs from these logs, as if their precertificates were logged here.
    this.factory.setSctSigners(this.logs.map((l) => ({ logId: l.logId, privateKey: l.privateKey })));
    this.source = new EntrySource(this.factory, this.rng, this.logs.length, {
      ...(o.precertShare !== undefined ? { precertShare: o.precertShare } : {}),
      ...(o.duplicateShare !== undefined ? { duplicateShare: o.duplicateShare } : {}),
      ...(o.finalShare !== undefined ? { finalShare: o.finalShare } : {}),
      ...(o.realCertShare !== undefined ? { realShare: o.realCertShare } : {}),
      realCertificates,
    });
    // Accepted roots: the PKI's roots, plus intermediates (chains may stop at one) and the tops of real chains.
    const roots = new Map<string, Uint8Array>();
    for (const ca of [...this.factory.pki.roots, ...this.factory.pki.intermediates]) roots.set(Buffer.from(ca.fingerprint).toString('hex'), ca.der);
    for (const cert of realCertificates) {
      const top = cert.chain[cert.chain.length - 1];
      if (top) roots.set(Buffer.from(top.fingerprint).toString('hex'), top.der);
    }
    this.rootDers = [...roots.values()];

    for (const log of this.logs) log.publish(this.now());
    if (o.initialEntries) this.append(o.initialEntries);
    this.driver = new GrowthDriver(this.logs, (log, count, ts) => this.appendEntries(log, count, ts), {
      rate: o.rate ?? 0,
      now: this.now,
    });
    this.driver.start();
  }

  private appendEntries(log: SimLog, count: number, timestamp: number): void {
    const source = this.source!;
    for (let i = 0; i < count; i++) log.append(source.next(log.slug), timestamp);
  }

  log(slug: string): SimLog {
    const log = this.bySlug.get(slug);
    if (!log) throw new RangeError(`no simulated log ${slug}; have ${[...this.bySlug.keys()].join(', ')}`);
    return log;
  }

  logBySlug(slug: string): SimLog | undefined {
    return this.bySlug.get(slug);
  }

  append(count: number, slug?: string): void {
    const now = this.now();
    for (const log of slug === undefined ? this.logs : [this.log(slug)]) {
      this.appendEntries(log, count, now);
      log.publish(now);
    }
  }

  appendCertificates(slug: string, certs: readonly SimCertificate[]): void {
    const log = this.log(slug);
    const now = this.now();
    for (const cert of certs) log.append(cert, now);
    log.publish(now);
  }

  publish(): void {
    const now = this.now();
    for (const log of this.logs) log.publish(now);
  }

  setFaults(slug: string, faults: FaultSpec): void {
    for (const log of slug === '*' ? this.logs : [this.log(slug)]) log.setFaults(faults);
  }

  clearFaults(): void {
    this.setFaults('*', {});
  }

  logListJson(): LogListJson {
    return buildLogList(this.logs, { createdAt: this.createdAt, temporalIntervals: this.intervals });
  }

  roots(): readonly Uint8Array[] {
    return this.rootDers;
  }

  async close(): Promise<void> {
    this.driver?.stop();
    await this.server.close();
  }
}

/** Starts a simulator; resolves once it listens. Always `close()` it (tests: in an after hook). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const factory =
    options.factory ??
    (await CertFactory.create({
      now,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.precertShare !== undefined ? { precertShare: options.precertShare } : {}),
    }));
  const real = options.certsDir ? (await loadCertificatesDir(options.certsDir)).certificates : [];
  const sim = new RunningSimulator(factory, options, now);
  const host = options.host ?? '127.0.0.1';
  const address = await sim.server.listen(host, options.port ?? 0);
  try {
    sim.setUp(options.publicUrl ? options.publicUrl.replace(/\/?$/, '/') : baseUrlFor(host, address.port), real);
  } catch (err) {
    await sim.server.close();
    throw err;
  }
  return sim;
}
