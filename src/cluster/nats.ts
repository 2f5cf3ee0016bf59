/**
 * The cluster's connection to NATS: connects, checks the server can do what we need (JetStream,
 * version 2.9 or later, which is Debian 12's), and creates the stream and KV buckets if missing.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { Logger } from '../util/logger.js';
import { DEFAULT_CLUSTER_STATUS_INTERVAL_MS, DEFAULT_STREAM } from '../config/defaults.js';
import { clusterNames, type ClusterNames } from './names.js';

export interface ClusterOptions {
  /** NATS server URL(s), comma-separated. */
  servers: string;
  stream: string;
  /** How long the stream keeps events (edges refill their resume history from it). */
  maxAgeMs: number;
  /**
   * Window in which JetStream drops a repeated Nats-Msg-Id: redundant ingesters must not drift
   * further apart than this, or both copies are kept.
   */
  duplicateWindowMs: number;
  /** Stream replicas (1 on a single NATS server, 3 on a NATS cluster). */
  replicas: number;
  /** How often ingesters post their per-log status to NATS KV and edges read it (status-board.ts). */
  statusIntervalMs: number;
  /** Name shown in NATS monitoring. */
  clientName: string;
}

export const DEFAULT_CLUSTER_OPTIONS: Omit<ClusterOptions, 'servers' | 'clientName'> = {
  stream: DEFAULT_STREAM,
  maxAgeMs: 60 * 60_000,
  duplicateWindowMs: 10 * 60_000,
  replicas: 1,
  statusIntervalMs: DEFAULT_CLUSTER_STATUS_INTERVAL_MS,
};

export class ClusterSetupError extends Error {}

export interface ClusterConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: ClusterNames;
  readonly cursors: KV;
  readonly meta: KV;
  close(): Promise<void>;
}

const MINIMUM_VERSION = [2, 9, 0] as const;

function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    if (have !== minimum[i]) return have > minimum[i]!;
  }
  return true;
}

const nanos = (ms: number): number => ms * 1_000_000;

async function ensureStream(jsm: JetStreamManager, names: ClusterNames, options: ClusterOptions, logger: Logger): Promise<void> {
  try {
    const info = await jsm.streams.info(names.stream);
    if (!info.config.subjects?.includes(names.subjects)) {
      throw new ClusterSetupError(`stream ${names.stream} exists but does not take ${names.subjects}; pick another --nats-stream`);
    }
    return;
  } catch (err) {
    if (err instanceof ClusterSetupError) throw err;
    if (!/not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  await jsm.streams.add({
    name: names.stream,
    subjects: [names.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(options.maxAgeMs),
    duplicate_window: nanos(Math.min(options.duplicateWindowMs, options.maxAgeMs)),
    num_replicas: options.replicas,
  });
  logger.info({ stream: names.stream, subjects: names.subjects }, 'created the JetStream stream');
}

export async function connectCluster(options: ClusterOptions, logger: Logger): Promise<ClusterConnection> {
  const names = clusterNames(options.stream);
  const nc = await connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: options.clientName,
    // Keep trying for ever: a NATS restart must not end the process.
    maxReconnectAttempts: -1,
  });
  try {
    const version = nc.info?.version ?? '0.0.0';
    if (!versionAtLeast(version, MINIMUM_VERSION)) {
      throw new ClusterSetupError(`NATS server ${version} is too old: JetStream KV and message dedupe as used here need ${MINIMUM_VERSION.join('.')} or later`);
    }
    if (nc.info && nc.info.jetstream !== true) {
      throw new ClusterSetupError('the NATS server has JetStream disabled: start it with -js (or jetstream {} in its config)');
    }
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, names, options, logger);
    const kvm = new Kvm(nc);
    const replicas = options.replicas;
    const [cursors, meta] = await Promise.all([
      kvm.create(names.cursorBucket, { replicas, history: 1 }),
      kvm.create(names.metaBucket, { replicas, history: 1 }),
    ]);
    return {
      nc,
      js: jetstream(nc),
      jsm,
      names,
      cursors,
      meta,
      close: async () => {
        if (!nc.isClosed()) await nc.drain();
      },
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
