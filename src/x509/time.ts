/**
 * X.509 validity times to Unix epoch seconds.
 *
 * Accepted forms (what Go's x509 accepts, so certificates other CertStream servers show are not
 * dropped here): UTCTime YYMMDDhhmm[ss] and GeneralizedTime YYYYMMDDhhmmss[.fff], each followed by
 * "Z" or a "+hhmm"/"-hhmm" offset. Fractions of a second are dropped. Everything else, including
 * out-of-range fields such as February 30, is an error with reason 'time'.
 */
import { CertParseError } from './errors.js';
import { Tag } from './der.js';

/** Epoch seconds of the time value (UTCTime or GeneralizedTime tag) at bytes[start, end). */
export function parseTime(bytes: Uint8Array, tag: number, start: number, end: number): number {
  let p = start;
  const digits = (count: number): number => {
    if (p + count > end) throw timeError(start, 'is too short');
    let v = 0;
    for (let i = 0; i < count; i++) {
      const d = bytes[p++]! - 0x30;
      if (d < 0 || d > 9) throw timeError(start, 'has a non-digit where a digit belongs');
      v = v * 10 + d;
    }
    return v;
  };

  let year: number;
  if (tag === Tag.UTC_TIME) {
    const yy = digits(2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 4.1.2.5.1
  } else if (tag === Tag.GENERALIZED_TIME) {
    year = digits(4);
  } else {
    throw new CertParseError('structure', `expected UTCTime or GeneralizedTime, found tag 0x${tag.toString(16)}`);
  }
  const month = digits(2);
  const day = digits(2);
  const hour = digits(2);
  const minute = digits(2);
  let second = 0;
  if (tag === Tag.GENERALIZED_TIME || isDigit(bytes, p, end)) second = digits(2);
  if (tag === Tag.GENERALIZED_TIME && p < end && bytes[p] === 0x2e /* . */) {
    p++;
    if (!isDigit(bytes, p, end)) throw timeError(start, 'has an empty fraction');
    while (isDigit(bytes, p, end)) p++;
  }

  let offsetMinutes = 0;
  const zone = p < end ? bytes[p++] : undefined;
  if (zone === 0x2b /* + */ || zone === 0x2d /* - */) {
    const offsetHour = digits(2);
    const offsetMinute = digits(2);
    if (offsetHour > 23 || offsetMinute > 59) throw timeError(start, 'has an invalid UTC offset');
    offsetMinutes = (zone === 0x2b ? 1 : -1) * (offsetHour * 60 + offsetMinute);
  } else if (zone !== 0x5a /* Z */) {
    throw timeError(start, 'has no "Z" or UTC offset');
  }
  if (p !== end) throw timeError(start, 'has trailing characters');

  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw timeError(start, 'has a field out of range');
  }
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
}

function isDigit(bytes: Uint8Array, p: number, end: number): boolean {
  return p < end && bytes[p]! >= 0x30 && bytes[p]! <= 0x39;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function timeError(offset: number, problem: string): CertParseError {
  return new CertParseError('time', `time at offset ${offset} ${problem}`);
}
