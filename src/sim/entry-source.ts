/**
 * Decides what each new log entry is. The mix follows the real stream: ~70% precertificates, and a
 * large share of entries are certificates another log already has (CAs submit every precertificate
 * to 2-3 logs), which is what a cross-log de-duplicating consumer must handle. Real certificates
 * from --certs-dir are mixed in at a configurable share. A share of precertificates is followed by
 * their final certificate (SCT list instead of the poison) some entries later, as CAs log them once
 * issued; it may be re-logged in other logs like any certificate. With a seed, all of it repeats.
 */
import type { CertFactory } from './cert-factory.js';
import type { Rng } from './rng.js';
import type { SimCertificate } from './types.js';

export interface EntrySourceOptions {
  /** Share of new certificates that are precertificates (default 0.7). */
  precertShare?: number;
  /** Share of entries re-logging a recent certificate from another log (default 0.4 with 2+ logs). */
  duplicateShare?: number;
  /** Share of new precertificates whose final certificate is logged later (default 0.3). */
  finalShare?: number;
  /** Real certificates to mix in, served round-robin. */
  realCertificates?: readonly SimCertificate[];
  /** Share of entries taken from realCertificates (default 0.2 when there are any). */
  realShare?: number;
}

interface Recent {
  cert: SimCertificate;
  logs: Set<string>;
}

const RECENT_CAPACITY = 512;
/** Real CAs submit to 2-3 logs; stop re-logging a certificate after that. */
const MAX_LOGS_PER_CERT = 3;
/** A final certificate follows its precertificate after this many entries (summed over the logs). */
const FINAL_DELAY_ENTRIES = { min: 5, max: 200 };

export class EntrySource {
  private readonly recent: Recent[] = [];
  private recentNext = 0;
  private realNext = 0;
  private readonly precertShare: number;
  private readonly duplicateShare: number;
  private readonly real: readonly SimCertificate[];
  private readonly realShare: number;
  private readonly finalShare: number;
  /** Final certificates waiting to be logged, in the order they are due. */
  private readonly pendingFinals: { due: number; issue: () => SimCertificate }[] = [];
  private entries = 0;

  constructor(
    private readonly factory: CertFactory,
    private readonly rng: Rng,
    logCount: number,
    options: EntrySourceOptions = {},
  ) {
    this.precertShare = options.precertShare ?? 0.7;
    this.duplicateShare = logCount > 1 ? (options.duplicateShare ?? 0.4) : 0;
    this.real = options.realCertificates ?? [];
    this.realShare = this.real.length > 0 ? (options.realShare ?? 0.2) : 0;
    this.finalShare = options.finalShare ?? 0.3;
  }

  /** The certificate to log as the next entry of log `slug`. */
  next(slug: string): SimCertificate {
    this.entries++;
    if (this.pendingFinals.length > 0 && this.pendingFinals[0]!.due <= this.entries) {
      const final = this.pendingFinals.shift()!.issue();
      this.remember(final, slug);
      return final;
    }
    if (this.realShare > 0 && this.rng.chance(this.realShare)) {
      const cert = this.real[this.realNext++ % this.real.length]!;
      return cert;
    }
    if (this.duplicateShare > 0 && this.rng.chance(this.duplicateShare)) {
      const dup = this.takeRecent(slug);
      if (dup) return dup;
    }
    const cert = this.factory.issue({ kind: this.rng.chance(this.precertShare) ? 'precert' : 'x509' });
    this.remember(cert, slug);
    if (cert.finalCertificate && this.finalShare > 0 && this.rng.chance(this.finalShare)) {
      const due = this.entries + this.rng.between(FINAL_DELAY_ENTRIES.min, FINAL_DELAY_ENTRIES.max);
      const at = this.pendingFinals.findIndex((p) => p.due > due);
      this.pendingFinals.splice(at < 0 ? this.pendingFinals.length : at, 0, { due, issue: cert.finalCertificate });
    }
    return cert;
  }

  private takeRecent(slug: string): SimCertificate | undefined {
    for (let attempt = 0; attempt < 4 && this.recent.length > 0; attempt++) {
      const r = this.recent[this.rng.int(this.recent.length)]!;
      if (r.logs.has(slug) || r.logs.size >= MAX_LOGS_PER_CERT) continue;
      r.logs.add(slug);
      return r.cert;
    }
    return undefined;
  }

  private remember(cert: SimCertificate, slug: string): void {
    const entry = { cert, logs: new Set([slug]) };
    if (this.recent.length < RECENT_CAPACITY) this.recent.push(entry);
    else this.recent[this.recentNext++ % RECENT_CAPACITY] = entry;
  }
}
