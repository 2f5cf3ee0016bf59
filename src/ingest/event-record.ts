/**
 * A CertEvent as compact bytes: the leaf's DER plus the few fields that cannot be derived from it.
 * Chain certificates and the log (source, cert_link) are references that the caller resolves: the
 * resume history keeps shared tables of them, a cluster envelope carries them inline. Decoding parses
 * the leaf again (~7 µs), so a record costs little more than its DER while it waits to be replayed.
 *
 * Layout (little-endian): u8 version, u8 flags (bit 0: precertificate), f64 seen, f64 cert_index,
 * u32 origin ref, u8 chain length, 32 bytes cert key, f64 duplicate_of (0: a first sighting), u32 chain refs, u16 domain count, per domain u16 length + UTF-8,
 * then the leaf DER up to the end. The domains are kept so that filters can be matched without
 * parsing, which a replay does for every event it skips; a leaf whose domains do not fit those
 * fields (flag bit 1) keeps none and is parsed for them instead.
 */
import { CertParseError, parseCertificate, type CertStreamCert } from '../x509/index.js';
import { CERT_KEY_BYTES } from '../x509/cert-key.js';
import { certLink, type CertEvent, type ChainCert, type LogRef } from './event.js';

const VERSION = 2;
const PRECERT = 1;
const DOMAINS_NOT_KEPT = 2;
const CERT_KEY_AT = 23;
const DUPLICATE_OF_AT = CERT_KEY_AT + CERT_KEY_BYTES;
const HEADER_BYTES = DUPLICATE_OF_AT + 8;
const MAX_CHAIN = 255;
const MAX_DOMAINS = 0xffff;
const MAX_DOMAIN_BYTES = 0xffff;

export class RecordError extends Error {}

/** Where an event came from: its `source` as clients see it, and the log for cert_link. */
export interface EventOrigin {
  source: CertEvent['source'];
  log: LogRef;
}

/** How references are written (encode) and resolved (decode); resolvers throw RecordError when unknown. */
export interface RecordRefs {
  chainRef(cert: ChainCert): number;
  chainCert(ref: number): ChainCert;
  originRef(event: CertEvent): number;
  origin(ref: number): EventOrigin;
}

let scratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The event's record. The bytes are a view of a shared scratch buffer, valid until the next call:
 * copy them to keep them. Chain references are taken through `refs.chainRef` in chain order.
 */
export function encodeRecord(event: CertEvent, refs: RecordRefs): Uint8Array {
  const domains = event.leaf_cert.all_domains;
  const chain = event.chain.length > MAX_CHAIN ? event.chain.slice(0, MAX_CHAIN) : event.chain;
  let keepDomains = domains.length <= MAX_DOMAINS;
  // Worst case per domain: 3 UTF-8 bytes per UTF-16 unit.
  let bound = HEADER_BYTES + 4 * chain.length + 2 + event.leafDer.length;
  for (let i = 0; keepDomains && i < domains.length; i++) {
    bound += 2 + 3 * domains[i]!.length;
    if (domains[i]!.length > MAX_DOMAIN_BYTES / 3 && Buffer.byteLength(domains[i]!, 'utf8') > MAX_DOMAIN_BYTES) keepDomains = false;
  }
  const domainCount = keepDomains ? domains.length : 0;
  if (bound > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(bound, 2 * scratch.length));
  const out = scratch;
  out[0] = VERSION;
  out[1] = (event.update_type === 'PrecertLogEntry' ? PRECERT : 0) | (keepDomains ? 0 : DOMAINS_NOT_KEPT);
  out.writeDoubleLE(event.seen, 2);
  out.writeDoubleLE(event.cert_index, 10);
  out.writeUInt32LE(refs.originRef(event), 18);
  out[22] = chain.length;
  if (event.certKey.length !== CERT_KEY_BYTES) throw new RecordError(`cert key of ${event.certKey.length} bytes`);
  out.set(event.certKey, CERT_KEY_AT);
  out.writeDoubleLE(event.duplicate_of ?? 0, DUPLICATE_OF_AT);
  let at = HEADER_BYTES;
  for (const cert of chain) {
    out.writeUInt32LE(refs.chainRef(cert), at);
    at += 4;
  }
  out.writeUInt16LE(domainCount, at);
  at += 2;
  for (let i = 0; i < domainCount; i++) {
    const length = out.write(domains[i]!, at + 2, 'utf8');
    out.writeUInt16LE(length, at);
    at += 2 + length;
  }
  out.set(event.leafDer, at);
  at += event.leafDer.length;
  return out.subarray(0, at);
}

/** Cursor over a record that throws RecordError instead of reading past its end. */
class RecordReader {
  at = 0;
  constructor(readonly buf: Buffer) {}

  need(bytes: number): number {
    const at = this.at;
    if (at + bytes > this.buf.length) throw new RecordError('truncated record');
    this.at += bytes;
    return at;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readHeader(bytes: Uint8Array): { reader: RecordReader; chainCount: number } {
  const reader = new RecordReader(asBuffer(bytes));
  reader.need(HEADER_BYTES);
  if (reader.buf[0] !== VERSION) throw new RecordError(`unknown record version ${reader.buf[0]}`);
  return { reader, chainCount: reader.buf[22]! };
}

function readDomains(reader: RecordReader): string[] {
  const count = reader.buf.readUInt16LE(reader.need(2));
  const domains = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const length = reader.buf.readUInt16LE(reader.need(2));
    const at = reader.need(length);
    domains[i] = reader.buf.toString('utf8', at, at + length);
  }
  return domains;
}

/** The chain references of a record, in chain order (to release them when the record is dropped). */
export function recordChainRefs(bytes: Uint8Array): number[] {
  const { reader, chainCount } = readHeader(bytes);
  const refs: number[] = [];
  for (let i = 0; i < chainCount; i++) refs.push(reader.buf.readUInt32LE(reader.need(4)));
  return refs;
}

/** The seq of the event's first sighting when it is a repeat (read without decoding the record). */
export function recordDuplicateOf(bytes: Uint8Array): number | undefined {
  const { reader } = readHeader(bytes);
  const first = reader.buf.readDoubleLE(DUPLICATE_OF_AT);
  return first === 0 ? undefined : first;
}

/** The leaf's domains (all_domains), without parsing the certificate unless they were not kept. */
export function recordDomains(bytes: Uint8Array): string[] {
  const { reader, chainCount } = readHeader(bytes);
  reader.need(4 * chainCount);
  const domains = readDomains(reader);
  return (reader.buf[1]! & DOMAINS_NOT_KEPT) === 0 ? domains : parseLeaf(reader.buf.subarray(reader.at)).all_domains;
}

function parseLeaf(der: Buffer): CertStreamCert {
  try {
    return parseCertificate(der);
  } catch (err) {
    if (err instanceof CertParseError) throw new RecordError(`leaf does not parse: ${err.message}`);
    throw err;
  }
}

/** The event back, numbered `seq`: the leaf parsed again, references resolved through `refs`. */
export function decodeRecord(bytes: Uint8Array, seq: number, refs: Pick<RecordRefs, 'chainCert' | 'origin'>): CertEvent {
  const { reader, chainCount } = readHeader(bytes);
  const { buf } = reader;
  const chain: ChainCert[] = [];
  for (let i = 0; i < chainCount; i++) chain.push(refs.chainCert(buf.readUInt32LE(reader.need(4))));
  readDomains(reader);
  const leafDer = buf.subarray(reader.at);
  const leaf = parseLeaf(leafDer);
  const { source, log } = refs.origin(buf.readUInt32LE(18));
  const certIndex = buf.readDoubleLE(10);
  const duplicateOf = buf.readDoubleLE(DUPLICATE_OF_AT);
  return {
    seq,
    update_type: (buf[1]! & PRECERT) !== 0 ? 'PrecertLogEntry' : 'X509LogEntry',
    leaf_cert: leaf,
    chain,
    cert_index: certIndex,
    cert_link: certLink(log, certIndex),
    seen: buf.readDoubleLE(2),
    source,
    certKey: Buffer.from(buf.subarray(CERT_KEY_AT, DUPLICATE_OF_AT)),
    ...(duplicateOf === 0 ? {} : { duplicate_of: duplicateOf }),
    leafDer,
    log,
  };
}
