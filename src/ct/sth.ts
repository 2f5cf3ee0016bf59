/**
 * Signed tree heads (RFC 6962 §3.5): the TreeHeadSignature input, and TLS DigitallySigned
 * signatures over it made or checked with a log's key (ECDSA P-256 or RSA, SHA-256).
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { DecodeError, TlsReader, TlsWriter } from './tls.js';

export interface TreeHead {
  treeSize: number;
  /** ms since the epoch */
  timestamp: number;
  rootHash: Uint8Array;
}

const HASH_SHA256 = 4;
const SIG_RSA = 1;
const SIG_ECDSA = 3;

/** The 50-byte structure a log signs: version v1, signature_type tree_hash, timestamp, size, root. */
export function treeHeadSignatureInput(head: TreeHead): Uint8Array {
  if (head.rootHash.length !== 32) throw new RangeError('root hash must be 32 bytes');
  return new TlsWriter().u8(0).u8(1).u64(head.timestamp).u64(head.treeSize).bytes(head.rootHash).finish();
}

/** log_id = SHA-256 of the log's SubjectPublicKeyInfo DER. */
export function logIdFromKey(spkiDer: Uint8Array): Buffer {
  return createHash('sha256').update(spkiDer).digest();
}

function signatureAlgorithmOf(key: KeyObject): number {
  if (key.asymmetricKeyType === 'ec') return SIG_ECDSA;
  if (key.asymmetricKeyType === 'rsa') return SIG_RSA;
  throw new RangeError(`unsupported CT log key type ${key.asymmetricKeyType}`);
}

/** Signs a tree head, returning TLS DigitallySigned bytes. */
export function signTreeHead(head: TreeHead, privateKey: KeyObject): Uint8Array {
  const signature = sign('sha256', treeHeadSignatureInput(head), privateKey);
  return new TlsWriter().u8(HASH_SHA256).u8(signatureAlgorithmOf(privateKey)).opaque16(signature).finish();
}

/** Checks a DigitallySigned tree head signature against the log's SPKI DER key. */
export function verifyTreeHead(head: TreeHead, digitallySigned: Uint8Array, spkiDer: Uint8Array): boolean {
  const r = new TlsReader(digitallySigned);
  const hashAlg = r.u8('hash_algorithm');
  const sigAlg = r.u8('signature_algorithm');
  const signature = r.opaque16('signature');
  r.end('DigitallySigned');
  if (hashAlg !== HASH_SHA256) throw new DecodeError('sth_signature', `unsupported hash algorithm ${hashAlg}`);
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  if (sigAlg !== signatureAlgorithmOf(key)) {
    throw new DecodeError('sth_signature', `signature algorithm ${sigAlg} does not match the log key`);
  }
  return verify('sha256', treeHeadSignatureInput(head), key, signature);
}
