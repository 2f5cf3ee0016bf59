/**
 * GeneralName (RFC 5280 4.2.1.6) as OpenSSL prints it: "DNS:x", "IP Address:1.2.3.4",
 * "email:x", "URI:x", "DirName:/C=US/CN=x", "Registered ID:1.2.3"; the forms OpenSSL cannot print
 * either keep its placeholders ("othername:<unsupported>", "X400Name:<unsupported>",
 * "EdiPartyName:<unsupported>").
 */
import { DerReader, Tag, contextTag } from './der.js';
import { CertParseError } from './errors.js';
import { formatNameOneLine } from './name.js';
import { oidToString } from './oids.js';
import { decodeByteString } from './strings.js';

const OTHER_NAME = contextTag(0, true);
const RFC822_NAME = contextTag(1, false);
const DNS_NAME = contextTag(2, false);
const X400_ADDRESS = contextTag(3, true);
const DIRECTORY_NAME = contextTag(4, true);
const EDI_PARTY_NAME = contextTag(5, true);
const URI = contextTag(6, false);
const IP_ADDRESS = contextTag(7, false);
const REGISTERED_ID = contextTag(8, false);

const DNS_PREFIX = 'DNS:';

/**
 * Formats the GeneralNames in bytes[start, end) and joins them with `separator`. When `dnsNames`
 * is given, every dNSName is also appended to it (all_domains needs them undecorated).
 */
export function joinGeneralNames(
  reader: DerReader,
  start: number,
  end: number,
  separator: string,
  dnsNames?: string[],
): string {
  let out = '';
  let pos = start;
  while (pos < end) {
    pos = reader.next(pos, end, 'GeneralName');
    const isDnsName = reader.tag === DNS_NAME;
    const text = formatGeneralName(reader);
    if (isDnsName && dnsNames !== undefined) dnsNames.push(text.slice(DNS_PREFIX.length));
    out = out === '' ? text : out + separator + text;
  }
  return out;
}

/** Formats the GeneralName the reader read last. */
export function formatGeneralName(reader: DerReader): string {
  const { bytes, tag, start, end } = reader;
  switch (tag) {
    case DNS_NAME:
      return DNS_PREFIX + decodeByteString(bytes, start, end);
    case RFC822_NAME:
      return 'email:' + decodeByteString(bytes, start, end);
    case URI:
      return 'URI:' + decodeByteString(bytes, start, end);
    case IP_ADDRESS:
      return 'IP Address:' + formatIpAddress(bytes, start, end);
    case DIRECTORY_NAME: {
      // [4] is EXPLICIT because Name is a CHOICE: the content is a whole Name SEQUENCE.
      reader.expectWhole(start, end, Tag.SEQUENCE, 'directoryName Name');
      return 'DirName:' + formatNameOneLine(reader, reader.start, reader.end);
    }
    case REGISTERED_ID:
      return 'Registered ID:' + oidToString(bytes, start, end);
    case OTHER_NAME:
      return 'othername:<unsupported>';
    case X400_ADDRESS:
      return 'X400Name:<unsupported>';
    case EDI_PARTY_NAME:
      return 'EdiPartyName:<unsupported>';
    default:
      throw new CertParseError('extension', `unknown GeneralName tag 0x${tag.toString(16)} at offset ${start}`);
  }
}

/** IPv4 dotted quad, IPv6 as OpenSSL prints it (eight upper-case groups, no "::"), else a marker. */
function formatIpAddress(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length === 4) return `${bytes[start]!}.${bytes[start + 1]!}.${bytes[start + 2]!}.${bytes[start + 3]!}`;
  if (length === 16) {
    let out = '';
    for (let i = start; i < end; i += 2) {
      out += (i === start ? '' : ':') + ((bytes[i]! << 8) | bytes[i + 1]!).toString(16).toUpperCase();
    }
    return out;
  }
  return `<invalid length=${length}>`;
}
