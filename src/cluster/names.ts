/**
 * Names a cluster shares in NATS, all derived from the stream name so that two clusters can use one
 * NATS server side by side: the stream and its subjects (one per log), the KV buckets, message ids.
 * Free of imports, so the configuration can name cluster settings without loading the NATS client.
 */
/** The stream used when none is named. */
export const DEFAULT_STREAM = 'CERTSTREAM';

export const CLUSTER_ROLES = ['all', 'ingest', 'edge'] as const;
export type ClusterRole = (typeof CLUSTER_ROLES)[number];

export interface ClusterNames {
  stream: string;
  /** Subject filter covering every log's subject. */
  subjects: string;
  cursorBucket: string;
  metaBucket: string;
}

/** Stream names may not contain `.`, `*`, `>` or whitespace; KV bucket names are stricter still. */
export const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function clusterNames(stream: string): ClusterNames {
  if (!STREAM_NAME.test(stream)) throw new Error(`invalid NATS stream name ${JSON.stringify(stream)}: use letters, digits, _ and -`);
  return { stream, subjects: `${stream}.log.>`, cursorBucket: `${stream}_cursors`, metaBucket: `${stream}_meta` };
}

/** A log id (base64) as a subject token and KV key: base64url without padding. */
export function logKey(logId: string): string {
  return logId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function logSubject(names: ClusterNames, logId: string): string {
  return `${names.stream}.log.${logKey(logId)}`;
}

/** Nats-Msg-Id of an entry: redundant ingesters publish the same id and JetStream keeps one. */
export function entryMessageId(logId: string, index: number): string {
  return `${logId}:${index}`;
}
