/**
 * The CertStream event made from one log entry: the certificate objects plus where and when it was
 * seen, and the server-wide sequence number `seq` that clients use to resume.
 */
import type { LogDescriptor } from '../ct/log-list.js';
import { dataTilePath, TILE_WIDTH } from '../ct/tile-path.js';
import type { LogEntry } from '../ct/types.js';
import type { CertStreamCert } from '../x509/types.js';
import { certificateKey, tbsCertificateKey } from '../x509/cert-key.js';

export type UpdateType = 'X509LogEntry' | 'PrecertLogEntry';

/** A chain element shows no all_domains, as in the original server. */
export type ChainCert = Omit<CertStreamCert, 'all_domains'>;

/** What links an event to its log: enough to rebuild `cert_link` for any index. */
export type LogRef = Pick<LogDescriptor, 'api' | 'url'>;

/**
 * The wire fields (serialized field by field in src/protocol/wire.ts, so the two non-wire fields
 * below never reach a client) plus what the resume history needs to keep the event compact.
 */
export interface CertEvent {
  seq: number;
  update_type: UpdateType;
  leaf_cert: CertStreamCert;
  chain: ChainCert[];
  cert_index: number;
  cert_link: string;
  /** Seconds since the epoch, with fractions, when this server read the entry. */
  seen: number;
  source: { url: string; name: string };
  /** The certificate's identity (src/x509/cert-key.ts), 32 bytes; sent as hex `cert_key`. */
  certKey: Buffer;
  /** seq of this certificate's first sighting within the dedupe window, when this is a repeat. */
  duplicate_of?: number;
  /** The leaf's DER (leaf_cert is parsed from it), kept so the event can be stored as bytes. */
  leafDer: Uint8Array;
  log: LogRef;
}

/**
 * The log URL as CertStream shows it today: as the log list gives it, scheme included
 * ("https://ct.googleapis.com/logs/us1/argon2025h2/"), as CaliDog's server has sent it since it
 * read the v3 list; for static-ct logs the monitoring prefix.
 */
export function sourceUrl(log: LogDescriptor): string {
  return log.listedUrl ?? log.url;
}

/** Where the entry can be fetched: get-entries for RFC 6962 logs, its data tile for tiled logs. */
export function certLink(log: LogRef, index: number): string {
  if (log.api === 'rfc6962') return `${log.url}ct/v1/get-entries?start=${index}&end=${index}`;
  return `${log.url}${dataTilePath(Math.floor(index / TILE_WIDTH))}`;
}

/**
 * The entry's certificate identity: from the TBS the log signed for a precert (issuer as in the
 * final certificate), else from the certificate. Throws CertParseError when it cannot be walked.
 */
export function entryCertKey(entry: LogEntry): Buffer {
  return entry.precertTbs ? tbsCertificateKey(entry.precertTbs) : certificateKey(entry.leafDer);
}

export function buildEvent(
  log: LogDescriptor,
  entry: LogEntry,
  leaf: CertStreamCert,
  chain: ChainCert[],
  seq: number,
  seenMs: number,
  certKey = entryCertKey(entry),
): CertEvent {
  return {
    seq,
    update_type: entry.kind === 'precert' ? 'PrecertLogEntry' : 'X509LogEntry',
    leaf_cert: leaf,
    chain,
    cert_index: entry.index,
    cert_link: certLink(log, entry.index),
    seen: seenMs / 1000,
    source: { url: sourceUrl(log), name: log.name },
    certKey,
    leafDer: entry.leafDer,
    log: { api: log.api, url: log.url },
  };
}
