/**
 * Debian's python3-cryptography-vectors package: pyca/cryptography's X.509 test certificates
 * (PKITS, odd and broken real-world certificates). `.ci/run` installs it; tests that use it skip
 * (skipWithout(cryptographyVectors)) when it is absent. Override the folder with CERTSTREAM_CRYPTOGRAPHY_VECTORS.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readPemCertificates } from '../../src/x509/pem.js';
import type { Requirement } from './requirements.js';

const DEFAULT_DIR = '/usr/lib/python3/dist-packages/cryptography_vectors/x509';

/** The vectors' x509 folder, or null when the package is not installed. */
export const cryptographyVectorsDir: string | null = (() => {
  const dir = process.env.CERTSTREAM_CRYPTOGRAPHY_VECTORS ?? DEFAULT_DIR;
  return existsSync(dir) ? dir : null;
})();

/** For skipWithout(): the suites that read the vectors need the package. */
export const cryptographyVectors: Requirement = {
  missing: cryptographyVectorsDir ? false : `python3-cryptography-vectors not installed (${DEFAULT_DIR}; apt-get install python3-cryptography-vectors)`,
};

export interface VectorCert {
  /** Path under x509/, with "#n" for the n-th PEM block. */
  readonly label: string;
  readonly der: Uint8Array;
}

/**
 * Every certificate candidate of the vectors: DER files (.der, .crt, .cer; some are CRLs, CSRs or
 * OCSP messages, which OpenSSL rejects as certificates too) and every CERTIFICATE block of .pem files.
 */
export function cryptographyVectorCerts(): VectorCert[] {
  if (!cryptographyVectorsDir) throw new Error(String(cryptographyVectors.missing));
  const root = cryptographyVectorsDir;
  const out: VectorCert[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const label = path.slice(root.length + 1);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(der|crt|cer)$/.test(name)) out.push({ label, der: new Uint8Array(readFileSync(path)) });
      else if (name.endsWith('.pem')) {
        readPemCertificates(readFileSync(path, 'latin1')).forEach((der, i) => out.push({ label: `${label}#${i}`, der }));
      }
    }
  };
  walk(root);
  return out;
}
