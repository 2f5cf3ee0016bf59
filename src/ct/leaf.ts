/**
 * Codecs for the binary CT entry formats: RFC 6962 MerkleTreeLeaf + extra_data (get-entries), and
 * static-ct-api TileLeaf records (data tiles). Layouts: ../shared/docs/ct-protocols.md §1.2, §2.3.
 */
import { DecodeError, TlsReader, TlsWriter } from './tls.js';
import type { EntryKind, LogEntry } from './types.js';

const ENTRY_TYPE_X509 = 0;
const ENTRY_TYPE_PRECERT = 1;
const SHA256_LENGTH = 32;
/** static-ct-api CtExtension type carrying the entry's index (uint40). */
const LEAF_INDEX_EXTENSION_TYPE = 0;

export interface TimestampedEntry {
  /** ms since the epoch */
  timestamp: number;
  kind: EntryKind;
  /** x509: the certificate DER; precert: the TBSCertificate DER without the poison extension. */
  signedEntry: Uint8Array;
  /** precert only: SHA-256 of the issuing CA's SubjectPublicKeyInfo. */
  issuerKeyHash?: Uint8Array;
  /** CtExtensions (empty for RFC 6962 logs; carries leaf_index in static-ct-api logs). */
  extensions: Uint8Array;
}

export interface TileLeaf {
  entry: TimestampedEntry;
  /** precert only: the full precertificate as submitted. */
  preCertificate?: Uint8Array;
  /** SHA-256 fingerprints of the chain certificates, served under issuer/<hex>. */
  chainFingerprints: Uint8Array[];
}

function readTimestampedEntry(r: TlsReader): TimestampedEntry {
  const timestamp = r.u64('timestamp');
  const entryType = r.u16('entry_type');
  if (entryType === ENTRY_TYPE_X509) {
    const signedEntry = r.opaque24('ASN.1Cert');
    const extensions = r.opaque16('extensions');
    return { timestamp, kind: 'x509', signedEntry, extensions };
  }
  if (entryType === ENTRY_TYPE_PRECERT) {
    const issuerKeyHash = r.bytes(SHA256_LENGTH, 'issuer_key_hash');
    const signedEntry = r.opaque24('tbs_certificate');
    const extensions = r.opaque16('extensions');
    return { timestamp, kind: 'precert', signedEntry, issuerKeyHash, extensions };
  }
  throw new DecodeError('entry_type', `unknown entry_type ${entryType}`);
}

function writeTimestampedEntry(w: TlsWriter, e: TimestampedEntry): void {
  w.u64(e.timestamp);
  if (e.kind === 'x509') {
    w.u16(ENTRY_TYPE_X509).opaque24(e.signedEntry);
  } else {
    if (e.issuerKeyHash?.length !== SHA256_LENGTH) throw new RangeError('precert needs a 32-byte issuerKeyHash');
    w.u16(ENTRY_TYPE_PRECERT).bytes(e.issuerKeyHash).opaque24(e.signedEntry);
  }
  w.opaque16(e.extensions);
}

/** Decodes an RFC 6962 MerkleTreeLeaf (the `leaf_input` of get-entries). */
export function decodeMerkleTreeLeaf(leafInput: Uint8Array): TimestampedEntry {
  const r = new TlsReader(leafInput);
  const version = r.u8('version');
  if (version !== 0) throw new DecodeError('version', `unknown MerkleTreeLeaf version ${version}`);
  const leafType = r.u8('leaf_type');
  if (leafType !== 0) throw new DecodeError('leaf_type', `unknown MerkleTreeLeaf leaf_type ${leafType}`);
  const entry = readTimestampedEntry(r);
  r.end('MerkleTreeLeaf');
  return entry;
}

export function encodeMerkleTreeLeaf(entry: TimestampedEntry): Uint8Array {
  const w = new TlsWriter().u8(0).u8(0);
  writeTimestampedEntry(w, entry);
  return w.finish();
}

/** Reads a vector of ASN.1Cert (each with a 3-byte length) filling exactly `list`. */
function readCertList(list: Uint8Array): Uint8Array[] {
  const r = new TlsReader(list);
  const certs: Uint8Array[] = [];
  while (r.remaining > 0) {
    const cert = r.opaque24('ASN.1Cert');
    if (cert.length === 0) throw new DecodeError('empty_cert', 'empty ASN.1Cert in chain');
    certs.push(cert);
  }
  return certs;
}

function writeCertList(chain: readonly Uint8Array[]): Uint8Array {
  const w = new TlsWriter();
  for (const cert of chain) w.opaque24(cert);
  return w.finish();
}

/** Decodes get-entries `extra_data`: the chain, and for precerts the full pre_certificate. */
export function decodeExtraData(
  kind: EntryKind,
  extraData: Uint8Array,
): { chain: Uint8Array[]; preCertificate?: Uint8Array } {
  const r = new TlsReader(extraData);
  if (kind === 'x509') {
    const chain = readCertList(r.opaque24('certificate_chain'));
    r.end('extra_data');
    return { chain };
  }
  const preCertificate = r.opaque24('pre_certificate');
  const chain = readCertList(r.opaque24('precertificate_chain'));
  r.end('extra_data');
  return { chain, preCertificate };
}

export function encodeX509ExtraData(chain: readonly Uint8Array[]): Uint8Array {
  return new TlsWriter().opaque24(writeCertList(chain)).finish();
}

export function encodePrecertExtraData(preCertificate: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  return new TlsWriter().opaque24(preCertificate).opaque24(writeCertList(chain)).finish();
}

/** Turns one get-entries item into a LogEntry; throws DecodeError on any malformation. */
export function decodeRfc6962Entry(index: number, leafInput: Uint8Array, extraData: Uint8Array): LogEntry {
  const entry = decodeMerkleTreeLeaf(leafInput);
  const extra = decodeExtraData(entry.kind, extraData);
  return toLogEntry(index, entry, extra.preCertificate, extra.chain);
}

/**
 * The LogEntry of a decoded TimestampedEntry: the leaf is the certificate (x509) or the full
 * pre_certificate, and a precert keeps the TBS the log signed for its identity key.
 */
export function toLogEntry(
  index: number,
  entry: TimestampedEntry,
  preCertificate: Uint8Array | undefined,
  chainDers: readonly Uint8Array[],
): LogEntry {
  if (entry.kind === 'x509') return { index, timestamp: entry.timestamp, kind: 'x509', leafDer: entry.signedEntry, chainDers };
  return { index, timestamp: entry.timestamp, kind: 'precert', leafDer: preCertificate!, precertTbs: entry.signedEntry, chainDers };
}

export function encodeTileLeaf(leaf: TileLeaf): Uint8Array {
  const w = new TlsWriter();
  writeTimestampedEntry(w, leaf.entry);
  if (leaf.entry.kind === 'precert') {
    if (!leaf.preCertificate) throw new RangeError('precert TileLeaf needs preCertificate');
    w.opaque24(leaf.preCertificate);
  }
  const fingerprints = new TlsWriter();
  for (const fp of leaf.chainFingerprints) {
    if (fp.length !== SHA256_LENGTH) throw new RangeError('chain fingerprints are 32 bytes');
    fingerprints.bytes(fp);
  }
  w.opaque16(fingerprints.finish());
  return w.finish();
}

function readTileLeaf(r: TlsReader): TileLeaf {
  const entry = readTimestampedEntry(r);
  const preCertificate = entry.kind === 'precert' ? r.opaque24('pre_certificate') : undefined;
  const list = r.opaque16('certificate_chain');
  if (list.length % SHA256_LENGTH !== 0) {
    throw new DecodeError('fingerprints', `certificate_chain length ${list.length} is not a multiple of 32`);
  }
  const chainFingerprints: Uint8Array[] = [];
  for (let i = 0; i < list.length; i += SHA256_LENGTH) chainFingerprints.push(list.subarray(i, i + SHA256_LENGTH));
  return preCertificate ? { entry, preCertificate, chainFingerprints } : { entry, chainFingerprints };
}

/**
 * Decodes a whole data tile. Records have no length prefix, so one malformed record makes the rest
 * of the tile unreadable: the error says how many records were read before it.
 */
export function decodeDataTile(tile: Uint8Array): TileLeaf[] {
  const r = new TlsReader(tile);
  const leaves: TileLeaf[] = [];
  while (r.remaining > 0) {
    try {
      leaves.push(readTileLeaf(r));
    } catch (err) {
      if (err instanceof DecodeError) {
        throw new DecodeError(err.reason, `data tile record ${leaves.length}: ${err.message}`);
      }
      throw err;
    }
  }
  return leaves;
}

/** The static-ct-api leaf_index CtExtension: type 0, length 5, uint40 index. */
export function leafIndexExtension(index: number): Uint8Array {
  return new TlsWriter().u8(LEAF_INDEX_EXTENSION_TYPE).u16(5).uintN(index, 5).finish();
}

/** Finds the leaf_index extension in CtExtensions, if present. */
export function readLeafIndexExtension(extensions: Uint8Array): number | undefined {
  const r = new TlsReader(extensions);
  while (r.remaining > 0) {
    const type = r.u8('extension_type');
    const data = r.opaque16('extension_data');
    if (type === LEAF_INDEX_EXTENSION_TYPE) {
      if (data.length !== 5) throw new DecodeError('leaf_index', `leaf_index extension of ${data.length} bytes`);
      return new TlsReader(data).uintN(5, 'leaf_index');
    }
  }
  return undefined;
}
