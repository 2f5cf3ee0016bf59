/** X.509 certificates to CertStream's `leaf_cert` / `chain[]` objects. */
export type { CertStreamCert, CertStreamExtensions, CertStreamName } from './types.js';
export { CertParseError, type CertParseErrorReason } from './errors.js';
export type { CertFieldIssue, CertFieldIssueReason } from './issues.js';
export { parseCertificate } from './certificate.js';
export { CertCache, type CertCacheStats } from './cert-cache.js';
export { readPemCertificates } from './pem.js';
