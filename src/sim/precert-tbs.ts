/**
 * The RFC 6962 §3.2 PreCert tbs_certificate of an existing precertificate: its TBSCertificate with
 * the poison extension removed and every enclosing length re-encoded, other bytes untouched.
 * Used for precertificates loaded from --certs-dir (the factory builds its PreCert TBS directly).
 */
import { DerReader } from '../x509/der.js';
import { objectIdentifier, tlv } from './der.js';

const POISON_OID = '1.3.6.1.4.1.11129.2.4.3';
const POISON_OID_DER = objectIdentifier(POISON_OID);
const EXTENSIONS_TAG = 0xa3;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Raw child elements (header included) of the constructed element whose value spans [start, end). */
function children(r: DerReader, start: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let pos = start; pos < end; ) {
    const next = r.read(pos, end);
    out.push(r.bytes.subarray(pos, next));
    pos = next;
  }
  return out;
}

function hasOid(extension: Uint8Array, oidDer: Uint8Array): boolean {
  const r = new DerReader(extension);
  r.read(0, extension.length); // Extension SEQUENCE
  const oidStart = r.start;
  const oidEnd = r.read(oidStart, r.end); // extnID
  return equalBytes(r.bytes.subarray(oidStart, oidEnd), oidDer);
}

/** The certificate's TBSCertificate DER (first element of the outer SEQUENCE). */
export function tbsOf(certDer: Uint8Array): Uint8Array {
  const r = new DerReader(certDer);
  r.read(0, certDer.length);
  const tbsStart = r.start;
  const tbsEnd = r.read(tbsStart, r.end);
  return r.bytes.subarray(tbsStart, tbsEnd);
}

/**
 * TBSCertificate without the poison extension, or undefined when the certificate has none.
 * Throws CertParseError when the DER is malformed.
 */
export function precertTbsWithoutPoison(certDer: Uint8Array): Uint8Array | undefined {
  return tbsWithoutExtension(certDer, POISON_OID);
}

/**
 * The certificate's TBSCertificate with extension `oid` removed (lengths re-encoded, all other
 * bytes as they were), or undefined when it has no such extension. Also turns a final certificate
 * into its PreCert TBS by removing the embedded SCT list (1.3.6.1.4.1.11129.2.4.2).
 */
export function tbsWithoutExtension(certDer: Uint8Array, oid: string): Uint8Array | undefined {
  const oidDer = oid === POISON_OID ? POISON_OID_DER : objectIdentifier(oid);
  const tbs = tbsOf(certDer);
  const r = new DerReader(tbs);
  r.read(0, tbs.length);
  const fields = children(r, r.start, r.end);
  const extIndex = fields.findIndex((f) => f[0] === EXTENSIONS_TAG);
  const extField = fields[extIndex];
  if (!extField) return undefined;
  const er = new DerReader(extField);
  er.read(0, extField.length); // [3]
  er.read(er.start, er.end); // SEQUENCE OF Extension
  const extensions = children(er, er.start, er.end);
  const kept = extensions.filter((e) => !hasOid(e, oidDer));
  if (kept.length === extensions.length) return undefined;
  const rebuilt = [...fields];
  if (kept.length === 0) rebuilt.splice(extIndex, 1); // extensions are SIZE (1..MAX): drop [3] entirely
  else rebuilt[extIndex] = tlv(EXTENSIONS_TAG, tlv(0x30, ...kept));
  return tlv(0x30, ...rebuilt);
}
