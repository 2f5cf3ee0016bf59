/** Character strings and times, checked against the platform's own decoders. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError } from '../../src/x509/errors.js';
import { decodeByteString, decodeCharacterString, isValidUtf8 } from '../../src/x509/strings.js';
import { parseTime } from '../../src/x509/time.js';
import { ascii, hex, TAG } from './der-builder.js';
import { createRng } from '../../src/sim/rng.js';

const { UTF8: UTF8_STRING, PRINTABLE: PRINTABLE_STRING, BMP: BMP_STRING, UNIVERSAL: UNIVERSAL_STRING, UTC_TIME, GENERALIZED_TIME } = TAG;

function decode(tag: number, bytes: Uint8Array): string {
  return decodeCharacterString(Buffer.from(bytes), tag, 0, bytes.length);
}

function isCertParseError(reason: string): (error: unknown) => boolean {
  return (error) => error instanceof CertParseError && error.reason === reason;
}

describe('character strings', () => {
  it('validates UTF-8 exactly as a fatal TextDecoder does', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const random = createRng(1).next;
    const interesting = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let n = 0; n < 20000; n++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        random() < 0.6 ? interesting[Math.floor(random() * interesting.length)]! : Math.floor(random() * 256),
      );
      let expected = true;
      try {
        fatal.decode(bytes);
      } catch {
        expected = false;
      }
      assert.equal(isValidUtf8(bytes, 0, bytes.length), expected, Buffer.from(bytes).toString('hex'));
    }
  });

  it('decodes UTF8String strictly', () => {
    assert.equal(decode(UTF8_STRING, ascii('plain')), 'plain');
    assert.equal(decode(UTF8_STRING, Buffer.from('Biztosítás 東京 😀', 'utf8')), 'Biztosítás 東京 😀');
    for (const bad of ['c0 80', 'ed a0 80', 'e2 82', 'f4 90 80 80', '80', 'ff']) {
      assert.throws(() => decode(UTF8_STRING, hex(bad)), isCertParseError('string'), bad);
    }
  });

  it('decodes BMPString and UniversalString, rejecting partial units and lone surrogates', () => {
    assert.equal(decode(BMP_STRING, Buffer.from('\u00c9t\u00e9 \u6771', 'utf16le').swap16()), '\u00c9t\u00e9 \u6771');
    assert.equal(decode(BMP_STRING, hex('d8 3d de 00')), '\u{1f600}');
    assert.throws(() => decode(BMP_STRING, hex('00 41 00')), isCertParseError('string'));
    assert.throws(() => decode(BMP_STRING, hex('d8 3d 00 41')), isCertParseError('string'));
    assert.throws(() => decode(BMP_STRING, hex('de 00')), isCertParseError('string'));
    assert.equal(decode(UNIVERSAL_STRING, hex('00 00 00 41 00 01 f6 00')), 'A\u{1f600}');
    assert.throws(() => decode(UNIVERSAL_STRING, hex('00 00 41')), isCertParseError('string'));
    assert.throws(() => decode(UNIVERSAL_STRING, hex('00 11 00 00')), isCertParseError('string'));
  });

  it('reads 8-bit string types as UTF-8 when they are valid UTF-8, else as Latin-1, never failing', () => {
    assert.equal(decode(PRINTABLE_STRING, ascii('*.example.com')), '*.example.com');
    assert.equal(decode(PRINTABLE_STRING, Buffer.from('UbiquiTLS™', 'utf8')), 'UbiquiTLS™');
    assert.equal(decode(PRINTABLE_STRING, hex('52 e9 73')), 'R\u00e9s');
    const nul = ascii('a\0b');
    assert.equal(decodeByteString(Buffer.from(nul), 0, nul.length), 'a\0b');
  });

  it('refuses non-string tags where a string is required', () => {
    assert.throws(() => decode(0x03, hex('00 ff')), isCertParseError('string'));
  });
});

describe('times', () => {
  function time(tag: number, text: string): number {
    const bytes = ascii(text);
    return parseTime(bytes, tag, 0, bytes.length);
  }

  function utcSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, 0);
    return date.getTime() / 1000;
  }

  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

  it('agrees with Date for random UTCTime and GeneralizedTime values', () => {
    const random = createRng(2).next;
    for (let n = 0; n < 5000; n++) {
      const year = 1 + Math.floor(random() * 9999);
      const month = 1 + Math.floor(random() * 12);
      const day = 1 + Math.floor(random() * 28);
      const [hour, minute, second] = [Math.floor(random() * 24), Math.floor(random() * 60), Math.floor(random() * 60)];
      const clock = pad(month) + pad(day) + pad(hour) + pad(minute) + pad(second) + 'Z';
      assert.equal(time(GENERALIZED_TIME, pad(year, 4) + clock), utcSeconds(year, month, day, hour, minute, second));
      const utcYear = 1950 + (year % 100);
      assert.equal(time(UTC_TIME, pad(utcYear % 100) + clock), utcSeconds(utcYear, month, day, hour, minute, second));
    }
  });

  it('handles the RFC 5280 UTCTime century pivot and leap days', () => {
    assert.equal(time(UTC_TIME, '491231235959Z'), utcSeconds(2049, 12, 31, 23, 59, 59));
    assert.equal(time(UTC_TIME, '500101000000Z'), utcSeconds(1950, 1, 1, 0, 0, 0));
    assert.equal(time(UTC_TIME, '000229000000Z'), utcSeconds(2000, 2, 29, 0, 0, 0));
    assert.equal(time(GENERALIZED_TIME, '99991231235959Z'), 253402300799);
    assert.throws(() => time(UTC_TIME, '190229000000Z'), isCertParseError('time'));
    assert.throws(() => time(GENERALIZED_TIME, '19000229000000Z'), isCertParseError('time'));
  });

  it('accepts what Go accepts: missing UTCTime seconds, offsets, GeneralizedTime fractions', () => {
    assert.equal(time(UTC_TIME, '1103210925Z'), utcSeconds(2011, 3, 21, 9, 25, 0));
    assert.equal(time(UTC_TIME, '110321092552+0130'), utcSeconds(2011, 3, 21, 7, 55, 52));
    assert.equal(time(UTC_TIME, '110321092552-0200'), utcSeconds(2011, 3, 21, 11, 25, 52));
    assert.equal(time(GENERALIZED_TIME, '20110321092552.123Z'), utcSeconds(2011, 3, 21, 9, 25, 52));
  });

  it('rejects malformed times', () => {
    for (const [tag, text] of [
      [UTC_TIME, '19020701025736Z'], // badasn1time.pem: GeneralizedTime layout under a UTCTime tag
      [UTC_TIME, '110321092552'],
      [UTC_TIME, '110321092552Z0'],
      [UTC_TIME, '111321092552Z'],
      [UTC_TIME, '110332092552Z'],
      [UTC_TIME, '110321242552Z'],
      [UTC_TIME, '110321096052Z'],
      [UTC_TIME, '110321092560Z'],
      [UTC_TIME, '11032109255aZ'],
      [UTC_TIME, '110321092552+2400'],
      [GENERALIZED_TIME, '201103210925Z'],
      [GENERALIZED_TIME, '20110321092552.Z'],
      [UTC_TIME, ''],
    ] as const) {
      assert.throws(() => time(tag, text), isCertParseError('time'), text);
    }
  });
});
