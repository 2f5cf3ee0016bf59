/**
 * Subscriber public keys for simulated leaves. Making a key per certificate would cost more than
 * everything else (RSA generation takes tens of ms), and a leaf's private key is never used, so
 * leaves draw from a small pool of pre-made keys. Real CT has key reuse across renewals too.
 */
import { generateKeyPairSync } from 'node:crypto';
import { subjectKeyIdOf, type KeyAlgorithm } from './pki.js';
import type { Rng } from './rng.js';
import { RSA_LEAF_KEYS, rsaKeyDer } from './rsa-keys.js';

export interface PooledKey {
  readonly algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo DER, copied verbatim into the TBSCertificate. */
  readonly spkiDer: Uint8Array;
  /** RFC 5280 method-1 key identifier for the subjectKeyIdentifier extension. */
  readonly keyId: Uint8Array;
}

export interface KeyPool {
  pick(algorithm: KeyAlgorithm, rng: Rng): PooledKey;
}

function pooled(algorithm: KeyAlgorithm, spki: Buffer): PooledKey {
  const spkiDer = new Uint8Array(spki);
  return { algorithm, spkiDer, keyId: subjectKeyIdOf(spkiDer) };
}

export function createKeyPool(sizes = { ecdsa: 24 }): KeyPool {
  // RSA keys are fixed (rsa-keys.ts: slow to make); P-256 keys are quick enough to make here.
  const rsa = RSA_LEAF_KEYS.map((pkcs8) =>
    pooled('rsa', rsaKeyDer(pkcs8).spki),
  );
  const ecdsa = Array.from({ length: sizes.ecdsa }, () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return pooled('ecdsa', publicKey.export({ type: 'spki', format: 'der' }));
  });
  return { pick: (algorithm, rng) => rng.pick(algorithm === 'rsa' ? rsa : ecdsa) };
}

let sharedPool: Promise<KeyPool> | undefined;

/** One pool per process, shared by every factory that does not bring its own. */
export function sharedKeyPool(): Promise<KeyPool> {
  sharedPool ??= Promise.resolve(createKeyPool());
  return sharedPool;
}
