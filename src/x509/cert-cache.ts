/**
 * Parsed-certificate cache keyed by the SHA-256 of the DER. In CT chains the same few hundred
 * intermediates and roots repeat for every entry, so they are parsed once. Least-recently-used
 * entries are evicted past `capacity` entries or `maxBytes` (estimated: a parsed certificate keeps
 * its DER as base64 plus decoded fields), so that a log serving huge certificates cannot grow it.
 *
 * Use it for chain certificates; leaves are almost always new, so caching them would only push
 * issuers out. Parse errors are not cached (a failing certificate is parsed again next time). Field
 * issues are cached with the certificate and reported on every get, so counts are per occurrence.
 */
import { hash } from 'node:crypto';
import type { CertStreamCert } from './types.js';
import { parseCertificateWithSha256 } from './certificate.js';
import type { CertFieldIssue } from './issues.js';

interface Entry {
  readonly cert: CertStreamCert;
  readonly issues: readonly CertFieldIssue[];
  /** Estimated memory (parsedCertBytes). */
  readonly bytes: number;
}

export interface CertCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly size: number;
  readonly capacity: number;
  /** Estimated bytes held. */
  readonly bytes: number;
}

/** Estimated memory of a parsed certificate: base64 DER (4/3), hex fingerprints, names and extensions. */
export function parsedCertBytes(derLength: number): number {
  return 2 * derLength + 2048;
}

export const DEFAULT_CERT_CACHE_BYTES = 64 * 1024 * 1024;

export class CertCache {
  // A Map iterates in insertion order, so re-inserting on every hit keeps the oldest entry first.
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    readonly capacity: number,
    readonly maxBytes = DEFAULT_CERT_CACHE_BYTES,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`cache capacity must be a positive integer, got ${capacity}`);
  }

  /**
   * The parsed certificate, from the cache when this DER was seen before; its field issues are
   * appended to `issues` each time. The result is shared between callers and deeply frozen: copy
   * it before changing anything. Throws CertParseError like parseCertificate.
   */
  get(der: Uint8Array, issues: CertFieldIssue[] = []): CertStreamCert {
    const sha256 = hash('sha256', der, 'buffer');
    const key = sha256.toString('latin1'); // 32 chars: cheaper to hash in the Map than hex
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, cached);
      for (const issue of cached.issues) issues.push(issue);
      return cached.cert;
    }
    this.misses++;
    const own: CertFieldIssue[] = [];
    const cert = freezeCert(parseCertificateWithSha256(der, sha256, own));
    for (const issue of own) issues.push(issue);
    const bytes = parsedCertBytes(der.length);
    // One certificate bigger than the whole budget is parsed but not kept.
    if (bytes > this.maxBytes) return cert;
    this.entries.set(key, { cert, issues: own.length === 0 ? NO_ISSUES : Object.freeze(own), bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.capacity && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
      this.evictions++;
    }
    return cert;
  }

  stats(): CertCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, size: this.entries.size, capacity: this.capacity, bytes: this.bytes };
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

const NO_ISSUES: readonly CertFieldIssue[] = Object.freeze([]);

function freezeCert(cert: CertStreamCert): CertStreamCert {
  Object.freeze(cert.subject);
  Object.freeze(cert.issuer);
  Object.freeze(cert.extensions);
  Object.freeze(cert.all_domains);
  return Object.freeze(cert);
}
