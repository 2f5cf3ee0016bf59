/**
 * PEM certificate blocks (RFC 7468) to DER. Text outside the blocks is ignored, since published
 * certificate files often start with an OpenSSL text dump. Inside a block only base64 and
 * whitespace are allowed: a corrupt block is an error, not silently shortened DER.
 */
import { CertParseError } from './errors.js';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';
const BASE64_BODY = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** DER of every CERTIFICATE block in `text`, in order; [] when there is none. */
export function readPemCertificates(text: string): Uint8Array[] {
  const ders: Uint8Array[] = [];
  for (let begin = text.indexOf(BEGIN); begin !== -1; begin = text.indexOf(BEGIN, begin)) {
    const bodyStart = begin + BEGIN.length;
    const end = text.indexOf(END, bodyStart);
    if (end === -1) throw new CertParseError('pem', `certificate block at character ${begin} has no END line`);
    const body = text.slice(bodyStart, end).replace(/\s+/g, '');
    if (body.includes('-----')) throw new CertParseError('pem', `certificate block at character ${begin} contains another armour line`);
    if (!BASE64_BODY.test(body)) throw new CertParseError('pem', `certificate block at character ${begin} is not valid base64`);
    ders.push(Buffer.from(body, 'base64'));
    begin = end + END.length;
  }
  return ders;
}
