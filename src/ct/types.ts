/** Kinds of CT log entries (RFC 6962 §3.1 LogEntryType). */
export type EntryKind = 'x509' | 'precert';

/**
 * One log entry, decoded from an RFC 6962 get-entries item or a static-ct-api TileLeaf
 * (after its chain fingerprints were resolved to certificates).
 */
export interface LogEntry {
  /** Leaf index in the log. */
  readonly index: number;
  /** SCT timestamp, ms since the epoch. */
  readonly timestamp: number;
  readonly kind: EntryKind;
  /** x509: the logged certificate; precert: the full pre_certificate (with poison) from the chain data. */
  readonly leafDer: Uint8Array;
  /**
   * precert only: the TBSCertificate the log signed (poison removed, issuer as in the final
   * certificate), from which the certificate's identity key is computed.
   */
  readonly precertTbs?: Uint8Array;
  /** Issuer chain, leaf excluded, in the order the log gives it. */
  readonly chainDers: readonly Uint8Array[];
}
