/** Distinguished name in CertStream's shape: the six classic attributes plus an aggregated string. */
export interface CertStreamName {
  aggregated: string;
  C: string | null;
  ST: string | null;
  L: string | null;
  O: string | null;
  OU: string | null;
  CN: string | null;
}

/**
 * OpenSSL-style extension strings keyed by OpenSSL short names (`subjectAltName`, `keyUsage`, ...);
 * `ctlPoisonByte` is the one boolean (true on precertificates), as in the original server.
 * See src/x509/extensions.ts for every format.
 */
export type CertStreamExtensions = Record<string, string | true>;

/** A certificate as CertStream shows it (`leaf_cert` or a `chain[]` element). */
export interface CertStreamCert {
  subject: CertStreamName;
  issuer: CertStreamName;
  extensions: CertStreamExtensions;
  /** Unix seconds; null when the certificate's time does not decode (OpenSSL: "Bad time value"). */
  not_before: number | null;
  /** Unix seconds; null when the certificate's time does not decode. */
  not_after: number | null;
  /** Upper-case hex without leading zeros ("0" for zero); negative serials start with "-". */
  serial_number: string;
  /** SHA-1 of the DER, "AA:BB:..." upper case. */
  fingerprint: string;
  /** Same as fingerprint (certstream-server-go adds both). */
  sha1: string;
  /** SHA-256 of the DER, "AA:BB:..." upper case. */
  sha256: string;
  /** certstream-server-go's spelling: "sha256, rsa", "ecdsa, sha384", "ed25519", "unknown". */
  signature_algorithm: string;
  /** basicConstraints cA. */
  is_ca: boolean;
  /** Every CN value, then the SAN dNSNames, de-duplicated, order kept. */
  all_domains: string[];
  /** Base64 DER. */
  as_der: string;
}
