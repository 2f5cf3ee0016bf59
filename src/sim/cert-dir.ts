/**
 * Loads real certificates from a folder (--certs-dir) so simulated logs can serve them: PEM files
 * (any number of blocks, leading text allowed) and DER files, searched recursively. Leaves get the
 * chain found among the folder's CA certificates; precertificates with a known issuer become
 * precert entries (PreCert TBS = poison removed), everything else x509 entries. Certificates node
 * cannot parse are kept as x509 entries with no chain: real logs contain such certificates too.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPemCertificates } from '../x509/pem.js';
import { precertTbsWithoutPoison } from './precert-tbs.js';
import type { ChainCert, SimCertificate } from './types.js';

export interface LoadedCertificates {
  /** Entries to log, in file order. */
  certificates: SimCertificate[];
  /** CA certificates found (used for chains, not logged). */
  issuers: number;
  /** Files that held no certificate or could not be read, with why. */
  skipped: { file: string; reason: string }[];
}

interface Parsed extends ChainCert {
  x509: X509Certificate | undefined;
}

const MAX_CHAIN = 5;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

function parse(der: Uint8Array): Parsed {
  let x509: X509Certificate | undefined;
  try {
    x509 = new X509Certificate(der);
  } catch {
    x509 = undefined;
  }
  return { der, fingerprint: createHash('sha256').update(der).digest(), x509 };
}

/** Walks issuers up from `leaf` through the folder's CAs, stopping at a self-signed one. */
function chainFor(leaf: Parsed, cas: readonly Parsed[]): Parsed[] {
  const chain: Parsed[] = [];
  let current = leaf;
  while (chain.length < MAX_CHAIN && current.x509 && !isSelfSigned(current.x509)) {
    const child = current.x509;
    const issuer = cas.find((ca) => ca !== current && ca.x509 && child.checkIssued(ca.x509) && verifies(child, ca.x509));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && verifies(cert, cert);
}

function verifies(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function toSimCertificate(leaf: Parsed, chain: Parsed[]): SimCertificate {
  const chainCerts: ChainCert[] = chain.map(({ der, fingerprint }) => ({ der, fingerprint }));
  const issuer = chain[0]?.x509;
  if (issuer) {
    let tbs: Uint8Array | undefined;
    try {
      tbs = precertTbsWithoutPoison(leaf.der);
    } catch {
      tbs = undefined;
    }
    if (tbs) {
      const spki = issuer.publicKey.export({ type: 'spki', format: 'der' });
      const issuerKeyHash = createHash('sha256').update(spki).digest();
      return { kind: 'precert', der: leaf.der, precert: { tbs, issuerKeyHash }, chain: chainCerts };
    }
  }
  return { kind: 'x509', der: leaf.der, chain: chainCerts };
}

export async function loadCertificatesDir(dir: string): Promise<LoadedCertificates> {
  const parsed: Parsed[] = [];
  const skipped: LoadedCertificates['skipped'] = [];
  for (const file of await listFiles(dir)) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      skipped.push({ file, reason: (err as Error).message });
      continue;
    }
    if (bytes.length > MAX_FILE_BYTES) {
      skipped.push({ file, reason: 'larger than 4 MiB' });
      continue;
    }
    const text = bytes.toString('latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
      try {
        parsed.push(...readPemCertificates(text).map(parse));
      } catch (err) {
        skipped.push({ file, reason: (err as Error).message });
      }
    } else if (bytes[0] === 0x30 && bytes.length > 64) {
      parsed.push(parse(new Uint8Array(bytes)));
    } else {
      skipped.push({ file, reason: 'no PEM certificate block and not DER' });
    }
  }
  const cas = parsed.filter((p) => p.x509?.ca === true);
  const leaves = parsed.filter((p) => p.x509?.ca !== true);
  return {
    certificates: leaves.map((leaf) => toSimCertificate(leaf, chainFor(leaf, cas))),
    issuers: cas.length,
    skipped,
  };
}
