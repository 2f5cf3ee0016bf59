/**
 * CertStream wire messages. Each event is serialized once per channel (never per subscriber), and
 * chain certificates, which repeat in almost every event, are serialized once per certificate.
 * Their shape is specified by the zod schemas in server-messages.ts; this builds them by hand, fast.
 */
import type { CertEvent, ChainCert } from '../ingest/event.js';

import type { Channel } from './channels.js';

/** The leaf as lite sends it: no DER and no embedded SCT list (opaque bytes, ~130 of them on average). */
function liteLeaf(leaf: CertEvent['leaf_cert']): object {
  const { as_der: _der, ...rest } = leaf;
  if (rest.extensions.ctlSignedCertificateTimestamp === undefined) return rest;
  const { ctlSignedCertificateTimestamp: _scts, ...extensions } = rest.extensions;
  // Assigning an existing key keeps its place: extensions stay where they are in the full message.
  return { ...rest, extensions };
}

/** JSON of chain certificates, kept as long as the (cached, shared) certificate object lives. */
const chainJson = new WeakMap<ChainCert, string>();

function chainCertJson(cert: ChainCert): string {
  let json = chainJson.get(cert);
  if (json === undefined) {
    // Cached certificates are parsed as leaves too; chain elements show no all_domains, as in the original.
    const { all_domains: _leafOnly, ...chainCert } = cert as ChainCert & { all_domains?: string[] };
    json = JSON.stringify(chainCert);
    chainJson.set(cert, json);
  }
  return json;
}

/**
 * A certificate_update message. The full channel has everything; lite is about what CaliDog's server
 * and certstream-server-go send: no `chain`, no `leaf_cert.as_der`, and (as certstream-server-go) no
 * embedded SCT list: a quarter of the bytes of full. Lite carries `duplicate_of` but not `cert_key`.
 */
function certificateUpdate(event: CertEvent, variant: 'full' | 'lite'): string {
  const full = variant === 'full';
  const leaf = full ? event.leaf_cert : liteLeaf(event.leaf_cert);
  // Field by field so the chain can be spliced in from its cached JSON.
  return (
    `{"message_type":"certificate_update","data":{"update_type":${JSON.stringify(event.update_type)}` +
    `,"leaf_cert":${JSON.stringify(leaf)}${full ? `,"chain":[${event.chain.map(chainCertJson).join(',')}]` : ''}` +
    `,"cert_index":${event.cert_index},"cert_link":${JSON.stringify(event.cert_link)}` +
    `,"seen":${event.seen},"source":${JSON.stringify(event.source)},"seq":${event.seq}${full ? identityFields(event) : duplicateOf(event)}}}`
  );
}

export function serializeFull(event: CertEvent): string {
  return certificateUpdate(event, 'full');
}

export function serializeLite(event: CertEvent): string {
  return certificateUpdate(event, 'lite');
}

/** `,"cert_key":"<hex>"` and, for a repeat, `,"duplicate_of":<seq>`: who this certificate is. */
function identityFields(event: CertEvent): string {
  return `,"cert_key":"${event.certKey.toString('hex')}"${duplicateOf(event)}`;
}

/** Lite says only whether this is a repeat: its 78 bytes of cert_key would make it 1.14x the peers' lite. */
function duplicateOf(event: CertEvent): string {
  return event.duplicate_of === undefined ? '' : `,"duplicate_of":${event.duplicate_of}`;
}

/** The original format (data = the domains) plus top-level seq (to resume) and identity fields. */
export function serializeDomains(event: CertEvent): string {
  return `{"message_type":"dns_entries","data":${JSON.stringify(event.leaf_cert.all_domains)},"seq":${event.seq}${identityFields(event)}}`;
}

const SERIALIZERS: Record<Channel, (event: CertEvent) => string> = {
  full: serializeFull,
  lite: serializeLite,
  'domains-only': serializeDomains,
};

/** The message of one channel for an event. */
export function serialize(channel: Channel, event: CertEvent): string {
  return SERIALIZERS[channel](event);
}

/**
 * With `seq`, the newest certificate's: the connection has been sent everything of its
 * subscriptions up to there, so a client with a rarely matching filter can still move its resume
 * position on. Connections still replaying history get no heartbeats until they have caught up.
 */
export function heartbeat(nowMs = Date.now(), seq?: number): string {
  return `{"message_type":"heartbeat","timestamp":${Math.floor(nowMs / 1000)}${seq === undefined ? '' : `,"seq":${seq}`}}`;
}
