/**
 * Field issues: parts of a certificate that do not decode although the certificate as a whole does
 * (OpenSSL reads such certificates too). The certificate is still streamed, with that part null,
 * left out or shown raw, and the caller counts each issue by its reason: never silent, never dropped.
 */

export type CertFieldIssueReason =
  /** notBefore or notAfter is not a valid time: that field is null. */
  | 'time'
  /** A C, ST, L, O, OU or CN value is not a decodable character string: it is left out (null when alone). */
  | 'string'
  /** A known extension's value does not decode: it is shown as colon hex of its bytes. */
  | 'extension'
  /** An extension appears more than once: the first is shown (as OpenSSL's lookups do), the others ignored. */
  | 'extension_repeated'
  /** The signature algorithm's parameters do not decode: signature_algorithm is "unknown". */
  | 'signature_algorithm'
  /** Bytes follow the Certificate: ignored by the parse, kept in as_der and the fingerprints. */
  | 'trailing_data';

export interface CertFieldIssue {
  readonly reason: CertFieldIssueReason;
  /** For humans (logs); may change. */
  readonly message: string;
}
