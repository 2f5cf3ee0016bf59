/**
 * The message an ingester publishes for each event: the event's compact record (the same form the
 * resume history keeps, src/ingest/event-record.ts) with what it refers to carried inline: the log
 * it came from and the DER of its chain certificates. An edge parses the leaf again and its chain
 * through its own certificate cache, so that it builds the very messages a single process builds,
 * and keeps the event as compactly. The seq is not in it: it is the stream sequence, known when an
 * edge receives the message.
 *
 * Layout: u8 version, u32 BE length + origin JSON ({source, log}), u8 chain length, per chain
 * certificate u32 BE length + DER, then the record up to the end (its chain refs index the chain
 * carried here, its origin ref is 0).
 */
import type { CertEvent, ChainCert } from '../ingest/event.js';
import { decodeRecord, encodeRecord, RecordError, type EventOrigin } from '../ingest/event-record.js';
import type { CertCache } from '../x509/cert-cache.js';
import { CertParseError } from '../x509/errors.js';

const VERSION = 2;

export class EnvelopeError extends Error {}

/** DER of chain certificates, decoded once per (cached, shared) certificate object. */
const chainDer = new WeakMap<ChainCert, Buffer>();

function derOf(cert: ChainCert): Buffer {
  let der = chainDer.get(cert);
  if (!der) chainDer.set(cert, (der = Buffer.from(cert.as_der, 'base64')));
  return der;
}

export function encodeEnvelope(event: CertEvent): Uint8Array {
  const origin = Buffer.from(JSON.stringify({ source: event.source, log: { api: event.log.api, url: event.log.url } } satisfies EventOrigin), 'utf8');
  const chain: Buffer[] = [];
  const record = encodeRecord(event, {
    chainRef: (cert) => chain.push(derOf(cert)) - 1,
    chainCert: () => {
      throw new RecordError('encode only');
    },
    originRef: () => 0,
    origin: () => {
      throw new RecordError('encode only');
    },
  });
  const out = Buffer.allocUnsafe(1 + 4 + origin.length + 1 + chain.reduce((n, der) => n + 4 + der.length, 0) + record.length);
  out[0] = VERSION;
  out.writeUInt32BE(origin.length, 1);
  origin.copy(out, 5);
  let at = 5 + origin.length;
  out[at++] = chain.length;
  for (const der of chain) {
    out.writeUInt32BE(der.length, at);
    der.copy(out, at + 4);
    at += 4 + der.length;
  }
  out.set(record, at);
  return out;
}

function parseOrigin(json: string): EventOrigin {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new EnvelopeError('origin is not JSON');
  }
  const o = value as { source?: { url?: unknown; name?: unknown }; log?: { api?: unknown; url?: unknown } } | null;
  if (
    typeof o?.source?.url !== 'string' ||
    typeof o.source.name !== 'string' ||
    (o.log?.api !== 'rfc6962' && o.log?.api !== 'static-ct') ||
    typeof o.log.url !== 'string'
  ) {
    throw new EnvelopeError('origin is not {source: {url, name}, log: {api, url}}');
  }
  return { source: { url: o.source.url, name: o.source.name }, log: { api: o.log.api, url: o.log.url } };
}

/**
 * The event numbered `seq`, its chain parsed through `issuers` (shared certificate objects, as in the
 * ingest). Throws EnvelopeError for anything that is not a well-formed envelope.
 */
export function decodeEnvelope(data: Uint8Array, seq: number, issuers: CertCache): CertEvent {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 1 || buf[0] !== VERSION) throw new EnvelopeError(`unknown envelope version ${buf[0] ?? 'none'}`);
  const need = (at: number, bytes: number): void => {
    if (at + bytes > buf.length) throw new EnvelopeError('truncated envelope');
  };
  need(1, 4);
  const originLength = buf.readUInt32BE(1);
  need(5, originLength + 1);
  const origin = parseOrigin(buf.toString('utf8', 5, 5 + originLength));
  let at = 5 + originLength;
  const chainCount = buf[at++]!;
  const chain: ChainCert[] = [];
  for (let i = 0; i < chainCount; i++) {
    need(at, 4);
    const length = buf.readUInt32BE(at);
    need(at + 4, length);
    try {
      chain.push(issuers.get(buf.subarray(at + 4, at + 4 + length)));
    } catch (err) {
      if (err instanceof CertParseError) throw new EnvelopeError(`chain certificate ${i} does not parse: ${err.message}`);
      throw err;
    }
    at += 4 + length;
  }
  try {
    return decodeRecord(buf.subarray(at), seq, {
      chainCert: (ref) => {
        const cert = chain[ref];
        if (!cert) throw new RecordError(`chain reference ${ref} out of range`);
        return cert;
      },
      origin: () => origin,
    });
  } catch (err) {
    if (err instanceof RecordError) throw new EnvelopeError(err.message);
    throw err;
  }
}
