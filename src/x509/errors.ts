/**
 * The one error type the X.509 parser throws. Upstream counts these as parse errors (by `reason`)
 * instead of crashing, so every malformed input must end up here. parseCertificate throws only for
 * what OpenSSL rejects too; inside a certificate, the 'string', 'time' and 'extension' errors of
 * one field become field issues (issues.ts) and the certificate is still returned.
 */

/** Stable machine codes; the message is for humans and may change. */
export type CertParseErrorReason =
  /** Not BER either: truncation, an unterminated indefinite length, a BOOLEAN that is not one byte. */
  | 'der'
  /** Readable, but not the Certificate structure (wrong tag, missing or extra field). */
  | 'structure'
  /** INTEGER not minimally encoded (OpenSSL rejects those as well). */
  | 'integer'
  /** OBJECT IDENTIFIER encoding invalid. */
  | 'oid'
  /** Character string invalid for its ASN.1 type (bad UTF-8, odd BMPString length...). */
  | 'string'
  /** UTCTime / GeneralizedTime not in a form we accept. */
  | 'time'
  /** An extension's value does not decode. */
  | 'extension'
  /** PEM armour broken (unterminated block, invalid base64). */
  | 'pem';

export class CertParseError extends Error {
  override readonly name = 'CertParseError';

  constructor(
    readonly reason: CertParseErrorReason,
    message: string,
  ) {
    super(message);
  }
}
