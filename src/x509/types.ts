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

/** A certificate as CertStream shows it (`leaf_cert` or a `chain[]` element). */
export interface CertStreamCert {
  subject: CertStreamName;
  issuer: CertStreamName;
  /** OpenSSL-style extension strings keyed by OpenSSL short names (`subjectAltName`, `keyUsage`, ...). */
  extensions: Record<string, string>;
  not_before: number;
  not_after: number;
  serial_number: string;
  fingerprint: string;
  sha1: string;
  sha256: string;
  signature_algorithm: string;
  is_ca: boolean;
  /** CN plus SAN dNSNames, de-duplicated, order kept. */
  all_domains: string[];
  /** Base64 DER. */
  as_der: string;
}
