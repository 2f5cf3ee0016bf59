/**
 * Signed certificate timestamps (RFC 6962 §3.2, §3.3) for the embedded SCT list of final
 * certificates. The signatures are real: each is made by a log key over the precertificate entry,
 * exactly what a CA gets back from add-pre-chain.
 */
import { sign, type KeyObject } from 'node:crypto';
import { encodeMerkleTreeLeaf } from '../ct/leaf.js';
import { TlsWriter } from '../ct/tls.js';
import type { PrecertParts } from './types.js';

export interface SctSigner {
  /** SHA-256 of the log's SubjectPublicKeyInfo DER. */
  readonly logId: Uint8Array;
  readonly privateKey: KeyObject;
}

const HASH_SHA256 = 4;
const SIG_RSA = 1;
const SIG_ECDSA = 3;
const NO_EXTENSIONS = new Uint8Array(0);

/**
 * One SignedCertificateTimestamp, TLS-encoded. The signed data (version, signature_type
 * certificate_timestamp = 0, timestamp, entry_type, signed_entry, extensions) has the very byte
 * layout of a v1 MerkleTreeLeaf (version 0, leaf_type 0, TimestampedEntry), so it is built with the
 * same encoder.
 */
export function signSct(signer: SctSigner, timestamp: number, precert: PrecertParts): Uint8Array {
  const signedData = encodeMerkleTreeLeaf({
    timestamp,
    kind: 'precert',
    signedEntry: precert.tbs,
    issuerKeyHash: precert.issuerKeyHash,
    extensions: NO_EXTENSIONS,
  });
  const signature = sign('sha256', signedData, signer.privateKey);
  const sigAlg = signer.privateKey.asymmetricKeyType === 'rsa' ? SIG_RSA : SIG_ECDSA;
  return new TlsWriter()
    .u8(0) // sct_version v1
    .bytes(signer.logId)
    .u64(timestamp)
    .opaque16(NO_EXTENSIONS)
    .u8(HASH_SHA256)
    .u8(sigAlg)
    .opaque16(signature)
    .finish();
}

/** SignedCertificateTimestampList: opaque<1..2^16-1> of opaque<1..2^16-1> SerializedSCT. */
export function encodeSctList(scts: readonly Uint8Array[]): Uint8Array {
  const inner = new TlsWriter();
  for (const sct of scts) inner.opaque16(sct);
  return new TlsWriter().opaque16(inner.finish()).finish();
}
