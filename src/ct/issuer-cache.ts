/**
 * Issuer certificates of tiled (static-ct-api) logs by SHA-256 hex, shared by all tiled logs
 * (operators reuse issuers across shards). A log names each issuer by hash and we fetch it once;
 * but a hostile log can name any number of issuers of any size, so the cache is bounded by bytes
 * (least recently used evicted), refuses bodies over MAX_ISSUER_BYTES, and keeps only what parses
 * as a certificate. An issuer that does not parse is handed on uncached: the entry's chain loses it
 * and ingest counts it (chain_<reason>), as for any bad chain certificate.
 */
import { CertParseError, parseCertificate } from '../x509/index.js';

/** Real issuer certificates are 1-2 KB; anything near this is not one. */
export const MAX_ISSUER_BYTES = 64 * 1024;
/** A real log references a handful of issuers; thousands fit. */
export const DEFAULT_ISSUER_CACHE_BYTES = 16 * 1024 * 1024;

export interface IssuerCacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
  /** Fetched issuers that did not parse (not cached). */
  readonly unparsable: number;
}

export class IssuerCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly entries = new Map<string, Uint8Array>();
  private readonly inFlight = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;
  private evictions = 0;
  private unparsable = 0;

  constructor(readonly maxBytes = DEFAULT_ISSUER_CACHE_BYTES) {}

  /**
   * The issuer with this hash: from the cache, or from `fetch` (which must check the hash), shared
   * by concurrent callers. A failed fetch is not remembered, so the next call tries again.
   */
  get(hex: string, fetch: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const cached = this.entries.get(hex);
    if (cached) {
      this.entries.delete(hex);
      this.entries.set(hex, cached);
      return Promise.resolve(cached);
    }
    let pending = this.inFlight.get(hex);
    if (!pending) {
      pending = fetch().then((der) => this.admit(hex, der));
      this.inFlight.set(hex, pending);
      const forget = (): void => void this.inFlight.delete(hex);
      pending.then(forget, forget);
    }
    return pending;
  }

  stats(): IssuerCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, evictions: this.evictions, unparsable: this.unparsable };
  }

  private admit(hex: string, der: Uint8Array): Uint8Array {
    try {
      parseCertificate(der);
    } catch (err) {
      if (!(err instanceof CertParseError)) throw err;
      this.unparsable++;
      return der;
    }
    if (der.length > this.maxBytes) return der;
    this.entries.set(hex, der);
    this.bytes += der.length;
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= value.length;
      this.evictions++;
    }
    return der;
  }
}
