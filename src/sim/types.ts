/** Types shared by the simulator's certificate factory, log model and HTTP layer. */
import type { EntryKind } from '../ct/types.js';

/** A certificate that can appear in a chain: its DER and SHA-256 fingerprint (static-ct issuer key). */
export interface ChainCert {
  readonly der: Uint8Array;
  readonly fingerprint: Uint8Array;
}

/** The RFC 6962 PreCert of a precertificate entry. */
export interface PrecertParts {
  /** TBSCertificate DER with the poison extension removed. */
  readonly tbs: Uint8Array;
  /** SHA-256 of the issuer's SubjectPublicKeyInfo DER. */
  readonly issuerKeyHash: Uint8Array;
}

/**
 * What gets submitted to a log: a final certificate or a precertificate with its chain. One
 * SimCertificate may be logged by several logs, as real certificates are (each log gives its own
 * index and timestamp), so logs share these objects instead of copying bytes.
 */
export interface SimCertificate {
  readonly kind: EntryKind;
  /** x509: the certificate; precert: the full precertificate (with the poison extension). */
  readonly der: Uint8Array;
  /** Present exactly when kind is 'precert'. */
  readonly precert?: PrecertParts;
  /** Issuers, leaf excluded, nearest first; usually ends with a root. */
  readonly chain: readonly ChainCert[];
}
