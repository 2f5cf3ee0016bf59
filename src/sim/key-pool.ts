/**
 * Subscriber public keys for simulated leaves. Making a key per certificate would cost more than
 * everything else (RSA generation takes tens of ms), and a leaf's private key is never used, so
 * leaves draw from a small pool of pre-made keys. Real CT has key reuse across renewals too.
 */
import { generateKeyPair, generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { subjectKeyIdOf, type KeyAlgorithm } from './pki.js';
import type { Rng } from './rng.js';

const generateKeyPairAsync = promisify(generateKeyPair);

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

export async function createKeyPool(sizes = { rsa: 6, ecdsa: 24 }): Promise<KeyPool> {
  // RSA keys on the thread pool in parallel; P-256 keys are quick enough to make inline.
  const rsa = await Promise.all(
    Array.from({ length: sizes.rsa }, async () => {
      const { publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
      return pooled('rsa', publicKey.export({ type: 'spki', format: 'der' }));
    }),
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
  sharedPool ??= createKeyPool();
  return sharedPool;
}
