/**
 * One simulated CT log: its key, its entries (shared SimCertificates plus per-log index and
 * timestamp), its Merkle tree, and the last tree head it published. Entries become visible only when
 * a tree head covering them is published, as with real logs (RFC 6962 STH every sthInterval,
 * static-ct checkpoint every ~second).
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { formatSignedCheckpoint } from '../ct/checkpoint.js';
import { encodeMerkleTreeLeaf, leafIndexExtension, type TileLeaf, type TimestampedEntry } from '../ct/leaf.js';
import { leafHash, MerkleTree } from '../ct/merkle.js';
import { logIdFromKey, signTreeHead, type TreeHead } from '../ct/sth.js';
import type { LogEntry } from '../ct/types.js';
import { FaultState, type FaultSpec } from './faults.js';
import type { ChainCert, SimCertificate } from './types.js';

export type LogApi = 'rfc6962' | 'static-ct';

export interface SimLogConfig {
  /** Path segment and handle, e.g. "argon2026h2". */
  slug: string;
  /** Log-list description, e.g. "Simulated Google 'Argon2026h2' log". */
  description: string;
  operator: string;
  api: LogApi;
  /** RFC 6962: most entries one get-entries answer holds. */
  batchLimit: number;
  /** RFC 6962: cut maximal get-entries requests at the next multiple of batchLimit (Let's Encrypt Oak). */
  alignGetEntries: boolean;
  /** How often a new STH / checkpoint is signed while growing. */
  publishIntervalMs: number;
  /** Relative share of the simulator's growth rate. */
  weight: number;
  /** static-ct: always gzip data tiles, even when the client did not ask (real logs may). */
  alwaysGzip: boolean;
  /** static-ct: 404 partial tiles once the full tile exists (allowed by the spec). */
  deletePartialTiles: boolean;
  /** static-ct: add a GREASE signature line to checkpoints, as Sunlight does. */
  greaseCheckpoints: boolean;
}

/** Where the log is served; known once the HTTP server listens. */
export interface SimLogUrls {
  /** RFC 6962 log URL, or the static-ct submission prefix (ends in "/"). */
  url: string;
  /** static-ct monitoring prefix (ends in "/"); equals url for RFC 6962 logs. */
  monitoringUrl: string;
  /** static-ct checkpoint origin: submission prefix without scheme and trailing slash. */
  origin: string;
}

export interface PublishedHead extends TreeHead {
  /** TLS DigitallySigned over the TreeHeadSignature (get-sth `tree_head_signature`). */
  signature: Uint8Array;
  /** static-ct: the signed checkpoint note. */
  checkpoint: string | undefined;
}

const EMPTY = new Uint8Array(0);
/** How far back the staleHead fault can reach, in publications. */
const STALE_HEADS_KEPT = 3;

export class SimLog {
  readonly privateKey: KeyObject;
  readonly spkiDer: Uint8Array;
  readonly logId: Uint8Array;
  readonly tree = new MerkleTree();
  faults = new FaultState();

  private readonly certs: SimCertificate[] = [];
  private readonly timestamps: number[] = [];
  private head: PublishedHead | undefined;
  /** Earlier heads, oldest first (a few): the staleHead fault serves the oldest, like a lagging replica. */
  private readonly earlierHeads: PublishedHead[] = [];
  private servingStale = false;
  private lastPublishAt = -Infinity;
  /** static-ct: "level/index/width" of every partial tile some checkpoint made available. */
  private readonly partialTiles = new Set<string>();
  /** static-ct: issuer certificates by lowercase hex fingerprint, for issuer/<hex>. */
  private readonly issuers = new Map<string, Uint8Array>();
  private readonly knownChainCerts = new WeakSet<ChainCert>();

  constructor(
    readonly config: SimLogConfig,
    readonly urls: SimLogUrls,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    this.logId = logIdFromKey(this.spkiDer);
  }

  get slug(): string {
    return this.config.slug;
  }

  get api(): LogApi {
    return this.config.api;
  }

  /** Entries appended so far, published or not. */
  get size(): number {
    return this.certs.length;
  }

  /** Entries covered by the published tree head: what clients can read. */
  get publishedSize(): number {
    return this.head?.treeSize ?? 0;
  }

  /** The published tree head (an empty tree is published at creation by the simulator). */
  get publishedHead(): PublishedHead {
    if (!this.head) throw new Error(`log ${this.slug} has published nothing yet`);
    return (this.servingStale ? this.earlierHeads[0] : undefined) ?? this.head;
  }

  /** Runs `answer` (which reads publishedHead synchronously) as a stale replica would: one head behind. */
  withStaleHead<T>(answer: () => T): T {
    this.servingStale = true;
    try {
      return answer();
    } finally {
      this.servingStale = false;
    }
  }

  append(cert: SimCertificate, timestamp: number): number {
    const index = this.certs.length;
    this.certs.push(cert);
    this.timestamps.push(timestamp);
    this.tree.append(leafHash(encodeMerkleTreeLeaf(this.timestampedEntry(index))));
    for (const issuer of cert.chain) {
      if (this.knownChainCerts.has(issuer)) continue; // chain objects are shared: hex each once
      this.knownChainCerts.add(issuer);
      this.issuers.set(Buffer.from(issuer.fingerprint).toString('hex'), issuer.der);
    }
    return index;
  }

  /** Signs and publishes a tree head over everything appended so far. */
  publish(now: number): PublishedHead {
    const last = this.timestamps[this.timestamps.length - 1] ?? 0;
    // A tree head must not predate the entries it covers, even with a frozen test clock.
    const head: TreeHead = { treeSize: this.tree.size, timestamp: Math.max(now, last, this.head?.timestamp ?? 0), rootHash: this.tree.root() };
    const signature = signTreeHead(head, this.privateKey);
    let checkpoint: string | undefined;
    if (this.config.api === 'static-ct') {
      checkpoint = formatSignedCheckpoint(this.urls.origin, head, this.privateKey, this.spkiDer);
      if (this.config.greaseCheckpoints) checkpoint = withGreaseSignature(checkpoint, head);
      this.recordPartialTiles(head.treeSize);
    }
    if (this.head) this.earlierHeads.push(this.head);
    if (this.earlierHeads.length > STALE_HEADS_KEPT) this.earlierHeads.shift();
    this.head = { ...head, signature, checkpoint };
    this.lastPublishAt = now;
    return this.head;
  }

  /** Publishes when the interval has passed since the last publication. */
  publishIfDue(now: number): void {
    if (now - this.lastPublishAt >= this.config.publishIntervalMs) this.publish(now);
  }

  setFaults(spec: FaultSpec): void {
    this.faults = new FaultState(spec);
  }

  certificateAt(index: number): SimCertificate {
    const cert = this.certs[index];
    if (!cert) throw new RangeError(`log ${this.slug} has no entry ${index} (size ${this.size})`);
    return cert;
  }

  timestampAt(index: number): number {
    return this.timestamps[index] ?? 0;
  }

  /** Entry i exactly as a correct client should decode it (ignores faults). */
  entryAt(index: number): LogEntry {
    const cert = this.certificateAt(index);
    return {
      index,
      timestamp: this.timestampAt(index),
      kind: cert.kind,
      leafDer: cert.der,
      chainDers: cert.chain.map((c) => c.der),
    };
  }

  /** The TimestampedEntry the log signed; static-ct logs add the leaf_index extension. */
  timestampedEntry(index: number): TimestampedEntry {
    const cert = this.certificateAt(index);
    const extensions = this.config.api === 'static-ct' ? leafIndexExtension(index) : EMPTY;
    const timestamp = this.timestampAt(index);
    if (cert.kind === 'precert') {
      const precert = cert.precert;
      if (!precert) throw new Error(`precert entry ${index} lacks its PreCert parts`);
      return { timestamp, kind: 'precert', signedEntry: precert.tbs, issuerKeyHash: precert.issuerKeyHash, extensions };
    }
    return { timestamp, kind: 'x509', signedEntry: cert.der, extensions };
  }

  tileLeaf(index: number): TileLeaf {
    const cert = this.certificateAt(index);
    const entry = this.timestampedEntry(index);
    const chainFingerprints = cert.chain.map((c) => c.fingerprint);
    return cert.kind === 'precert' ? { entry, preCertificate: cert.der, chainFingerprints } : { entry, chainFingerprints };
  }

  /** Issuer certificate by lowercase hex SHA-256, if some entry's chain has it. */
  issuerByFingerprint(hex: string): Uint8Array | undefined {
    return this.issuers.get(hex);
  }

  /** static-ct: whether a checkpoint ever made this partial tile available. */
  hasPartialTile(level: number, index: number, width: number): boolean {
    return this.partialTiles.has(`${level}/${index}/${width}`);
  }

  private recordPartialTiles(treeSize: number): void {
    // The rightmost tile of level l holds floor(size / 256^l) mod 256 hashes (tlog-tiles).
    for (let level = 0, span = 1; span <= treeSize; level++, span *= 256) {
      const width = Math.floor(treeSize / span) % 256;
      if (width > 0) this.partialTiles.add(`${level}/${Math.floor(treeSize / span / 256)}/${width}`);
    }
  }
}

/**
 * Adds a signature line by an unknown key, as Sunlight does on purpose ("GREASE") so clients keep
 * ignoring signatures they do not know. Deterministic per tree head so re-reads are stable.
 */
function withGreaseSignature(note: string, head: TreeHead): string {
  const blank = note.indexOf('\n\n');
  const seed = createHash('sha512').update('grease').update(head.rootHash).update(String(head.timestamp)).digest();
  // 4-byte key ID + 4..60 bytes: signed-note parsers (Go's x/mod/sumdb/note) reject blobs under 5 bytes.
  const line = `\u2014 grease.invalid ${seed.subarray(0, 8 + (seed[63]! % 57)).toString('base64')}\n`;
  return `${note.slice(0, blank + 2)}${line}${note.slice(blank + 2)}`;
}
