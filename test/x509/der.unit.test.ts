/** The DER reader (with the BER length forms OpenSSL reads) on hand-made encodings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DerReader } from '../../src/x509/der.js';
import { CertParseError, type CertParseErrorReason } from '../../src/x509/errors.js';
import { encodeOid, oidToString, validateOid } from '../../src/x509/oids.js';
import { concat, hex } from './der-builder.js';

function readAll(bytes: Uint8Array): { tag: number; start: number; end: number } {
  const reader = new DerReader(bytes);
  const next = reader.read(0, bytes.length);
  return { tag: reader.tag, start: reader.start, end: next };
}

function assertFails(fn: () => unknown, reason: CertParseErrorReason, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CertParseError, `not a CertParseError: ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('DerReader', () => {
  it('reads short and long definite lengths in place', () => {
    assert.deepEqual(readAll(hex('04 03 aa bb cc')), { tag: 0x04, start: 2, end: 5 });
    const long = new Uint8Array(3 + 200);
    long.set([0x04, 0x81, 200]);
    assert.deepEqual(readAll(long), { tag: 0x04, start: 3, end: 203 });
    const longer = new Uint8Array(4 + 300);
    longer.set([0x30, 0x82, 0x01, 0x2c]);
    assert.deepEqual(readAll(longer), { tag: 0x30, start: 4, end: 304 });
  });

  it('reads zero-length elements', () => {
    assert.deepEqual(readAll(hex('05 00')), { tag: 0x05, start: 2, end: 2 });
  });

  it('reads indefinite lengths of constructed elements, nested too, up to their end-of-contents (BER)', () => {
    // start/end are the content; read() returns the position after the 00 00.
    const bytes = hex('30 80 02 01 01 30 80 04 00 00 00 00 00 05 00');
    const reader = new DerReader(bytes);
    assert.equal(reader.read(0, bytes.length), 13);
    assert.deepEqual([reader.tag, reader.start, reader.end], [0x30, 2, 11]);
    assert.equal(reader.read(5, 11), 11);
    assert.deepEqual([reader.tag, reader.start, reader.end], [0x30, 7, 9]);
  });

  it('refuses indefinite lengths on primitive elements, without end-of-contents, or nested too deep', () => {
    assertFails(() => readAll(hex('04 80 aa 00 00')), 'der', /primitive/);
    assertFails(() => readAll(hex('30 80 02 01 01')), 'der', /end-of-contents/);
    assertFails(() => readAll(hex('30 80 02 01 01 00')), 'der', /truncated/);
    const deep = concat(...Array.from({ length: 100 }, () => hex('30 80')), ...Array.from({ length: 100 }, () => hex('00 00')));
    assertFails(() => readAll(deep), 'der', /too deep/);
  });

  it('reads non-minimal lengths (BER, as OpenSSL does)', () => {
    assert.deepEqual(readAll(hex('04 81 03 aa bb cc')), { tag: 0x04, start: 3, end: 6 });
    assert.deepEqual(readAll(concat(hex('04 86 00 00 00 00 00 81'), new Uint8Array(0x81))), { tag: 0x04, start: 8, end: 8 + 0x81 });
  });

  it('rejects truncation of the header, the length and the value', () => {
    assertFails(() => readAll(hex('04')), 'der', /truncated/);
    assertFails(() => readAll(hex('04 82 01')), 'der', /truncated/);
    assertFails(() => readAll(hex('04 05 aa bb')), 'der', /truncated/);
  });

  it('keeps children inside their parent', () => {
    const bytes = hex('30 03 04 05 aa bb cc dd ee');
    const reader = new DerReader(bytes);
    reader.read(0, bytes.length);
    assertFails(() => reader.read(reader.start, reader.end), 'der', /truncated/);
  });

  it('rejects high tag numbers and oversized length fields', () => {
    assertFails(() => readAll(hex('1f 81 00 00')), 'der', /high-tag/);
    assertFails(() => readAll(hex('04 85 01 00 00 00 00')), 'der', /too large/);
    assertFails(() => readAll(hex('04 84 80 00 00 00')), 'der', /too large/);
  });

  it('reports a wrong or missing element as a structure error', () => {
    const bytes = hex('02 01 05');
    const reader = new DerReader(bytes);
    assertFails(() => reader.expect(0, bytes.length, 0x30, 'a SEQUENCE'), 'structure', /a SEQUENCE/);
    assertFails(() => reader.expect(3, bytes.length, 0x02, 'a version'), 'structure', /missing a version/);
    assertFails(() => reader.expectEnd(0, bytes.length, 'it'), 'structure');
  });

  it('checks INTEGER minimality and sign', () => {
    const check = (text: string): boolean => {
      const bytes = hex(text);
      const reader = new DerReader(bytes);
      reader.read(0, bytes.length);
      return reader.checkInteger();
    };
    assert.equal(check('02 01 00'), false);
    assert.equal(check('02 02 00 80'), false);
    assert.equal(check('02 01 80'), true);
    assert.equal(check('02 02 ff 7f'), true);
    assertFails(() => check('02 02 00 7f'), 'integer', /minimally/);
    assertFails(() => check('02 02 ff 80'), 'integer', /minimally/);
    assertFails(() => check('02 00'), 'integer');
  });

  it('reads one-byte BOOLEANs, any non-zero value as TRUE (BER, as OpenSSL does)', () => {
    const value = (text: string): boolean => {
      const bytes = hex(text);
      const reader = new DerReader(bytes);
      reader.read(0, bytes.length);
      return reader.boolean();
    };
    assert.equal(value('01 01 ff'), true);
    assert.equal(value('01 01 00'), false);
    assert.equal(value('01 01 01'), true);
    assertFails(() => value('01 02 ff ff'), 'der');
    assertFails(() => value('01 00'), 'der');
  });
});

describe('OIDs', () => {
  it('decodes dotted form, including multi-byte arcs and the first two arcs', () => {
    const text = (h: string): string => {
      const bytes = hex(h);
      return oidToString(bytes, 0, bytes.length);
    };
    assert.equal(text('55 1d 11'), '2.5.29.17');
    assert.equal(text('2a 86 48 86 f7 0d 01 01 0b'), '1.2.840.113549.1.1.11');
    assert.equal(text('2b 06 01 04 01 d6 79 02 04 02'), '1.3.6.1.4.1.11129.2.4.2');
    assert.equal(text('09 92 26 89 93 f2 2c 64 01 19'), '0.9.2342.19200300.100.1.25');
    assert.equal(text('88 37 01'), '2.999.1');
  });

  it('encodes dotted form to the same bytes (used to build tables and test inputs)', () => {
    assert.deepEqual(encodeOid('1.2.840.113549.1.1.11'), hex('2a 86 48 86 f7 0d 01 01 0b'));
    assert.deepEqual(encodeOid('0.9.2342.19200300.100.1.25'), hex('09 92 26 89 93 f2 2c 64 01 19'));
    assert.deepEqual(encodeOid('2.999.1'), hex('88 37 01'));
  });

  it('rejects empty, unterminated and non-minimal encodings', () => {
    assertFails(() => validateOid(new Uint8Array(0), 0, 0), 'oid');
    assertFails(() => validateOid(hex('55 1d 91'), 0, 3), 'oid');
    assertFails(() => validateOid(hex('55 80 1d'), 0, 3), 'oid');
  });
});
