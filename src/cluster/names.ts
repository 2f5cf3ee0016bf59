/**
 * Names a cluster shares in NATS, all derived from the stream name so that two clusters can use one
 * NATS server side by side: the stream and its subjects (one per log), the KV buckets, message ids.
 * The default stream, the roles and what a stream name may be are settings: src/config/defaults.ts.
 */
import { STREAM_NAME } from '../config/defaults.js';

export interface ClusterNames {
  stream: string;
  /** Subject filter covering every log's subject. */
  subjects: string;
  cursorBucket: string;
  metaBucket: string;
}

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
