/**
 * Generates the subject names of simulated leaf certificates, in the shapes the real CT stream
 * shows: bare + www pairs, single hosts, wildcards, cPanel bundles, phishing-style brand names, IDN
 * (punycode) names, machine-named hosts, and the occasional many-SAN hosting certificate.
 */
import { domainToASCII } from 'node:url';
import type { Rng } from './rng.js';
import {
  BRAND_WORDS,
  BUSINESS_SUFFIXES,
  COMMON_WORDS,
  CPANEL_LABELS,
  HOST_LABELS,
  HOSTING_SUFFIXES,
  IDN_TLDS,
  LURE_TLDS,
  LURE_WORDS,
  TLDS,
  UNICODE_WORDS,
} from './words.js';

export interface LeafNames {
  /** Subject CN; undefined for certificates that carry their names only in the SAN. */
  commonName: string | undefined;
  /** SAN dNSNames, ASCII (IDN labels in punycode). */
  dnsNames: string[];
}

type NameShape = 'pair' | 'host' | 'wildcard' | 'cpanel' | 'lure' | 'idn' | 'machine' | 'multi' | 'many';

const SHAPES: readonly (readonly [NameShape, number])[] = [
  ['pair', 34],
  ['host', 16],
  ['wildcard', 12],
  ['cpanel', 6],
  ['lure', 8],
  ['idn', 5],
  ['machine', 8],
  ['multi', 9],
  ['many', 2],
];

/** A registrable domain such as "oakdental.de" or "river-studio.com". */
export function registeredDomain(rng: Rng): string {
  const first = rng.pick(COMMON_WORDS);
  const label = rng.weighted<string>([
    [first, 2],
    [`${first}${rng.pick(COMMON_WORDS)}`, 3],
    [`${first}-${rng.pick(COMMON_WORDS)}`, 2],
    [`${first}${rng.pick(BUSINESS_SUFFIXES)}`, 2],
    [`${first}${rng.between(1, 999)}`, 1],
  ]);
  return `${label}.${rng.weighted(TLDS)}`;
}

/** Names phishing kits register: brand + lure words, on cheap TLDs or as a deceptive subdomain. */
function lureNames(rng: Rng): string[] {
  const brand = rng.pick(BRAND_WORDS);
  const lure = rng.pick(LURE_WORDS);
  const tld = rng.pick(LURE_TLDS);
  const style = rng.int(4);
  if (style === 0) return [`${brand}-${lure}.${tld}`, `www.${brand}-${lure}.${tld}`];
  if (style === 1) return [`${lure}.${brand}.${rng.pick(COMMON_WORDS)}-${lure}.${tld}`];
  if (style === 2) return [`${brand}.com-${lure}-${rng.between(100, 99999)}.${tld}`];
  return [`${lure}-${brand}${rng.pick(['', '-id', '-us', '24', 'support'])}.${tld}`];
}

function idnNames(rng: Rng): string[] {
  const unicode = `${rng.pick(UNICODE_WORDS)}.${rng.pick(IDN_TLDS)}`;
  const ascii = domainToASCII(unicode);
  // domainToASCII returns '' for names it cannot convert; fall back to a plain name then.
  const base = ascii === '' ? registeredDomain(rng) : ascii;
  return rng.chance(0.6) ? [base, `www.${base}`] : [base];
}

/** Machine-named hosts: cloud instances, dynamic DNS, preview deployments. */
function machineName(rng: Rng): string {
  const hex = Buffer.from(rng.bytes(4)).toString('hex');
  const style = rng.int(4);
  if (style === 0) return `ip-10-${rng.int(256)}-${rng.int(256)}-${rng.int(256)}.${registeredDomain(rng)}`;
  if (style === 1) return `${hex}.${rng.pick(HOSTING_SUFFIXES)}`;
  if (style === 2) return `${rng.pick(COMMON_WORDS)}-${hex}.preview.${registeredDomain(rng)}`;
  return `node${rng.between(1, 64)}.k8s.${registeredDomain(rng)}`;
}

function manyNames(rng: Rng): string[] {
  // Hosting/CDN certificates bundle many customers' domains (real ones reach the 100-SAN cap).
  const count = rng.between(20, 100);
  const names = [`sni${rng.between(10000, 999999)}.${rng.pick(HOSTING_SUFFIXES)}`];
  while (names.length < count) {
    const domain = registeredDomain(rng);
    names.push(domain);
    if (names.length < count && rng.chance(0.5)) names.push(`*.${domain}`);
  }
  return names;
}

/** Draws a realistic set of names for one leaf certificate. */
export function generateLeafNames(rng: Rng): LeafNames {
  const shape = rng.weighted(SHAPES);
  let names: string[];
  let commonName: string | undefined;
  switch (shape) {
    case 'pair': {
      const domain = registeredDomain(rng);
      names = [domain, `www.${domain}`];
      break;
    }
    case 'host':
      names = [`${rng.pick(HOST_LABELS)}.${registeredDomain(rng)}`];
      break;
    case 'wildcard': {
      const domain = rng.chance(0.5) ? registeredDomain(rng) : `${rng.pick(HOST_LABELS)}.${registeredDomain(rng)}`;
      names = rng.chance(0.7) ? [`*.${domain}`, domain] : [`*.${domain}`];
      break;
    }
    case 'cpanel': {
      const domain = registeredDomain(rng);
      names = [domain, ...CPANEL_LABELS.filter(() => rng.chance(0.8)).map((l) => `${l}.${domain}`)];
      break;
    }
    case 'lure':
      names = lureNames(rng);
      break;
    case 'idn':
      names = idnNames(rng);
      break;
    case 'machine':
      names = [machineName(rng)];
      break;
    case 'multi': {
      const domain = registeredDomain(rng);
      const labels = new Set<string>();
      const want = rng.between(3, 8);
      while (labels.size < want) labels.add(rng.pick(HOST_LABELS));
      names = [domain, ...[...labels].map((l) => `${l}.${domain}`)];
      break;
    }
    case 'many':
      names = manyNames(rng);
      break;
  }
  // Most CAs still copy the first SAN into the CN; a few percent of certificates have none.
  if (rng.chance(0.95)) commonName = names[0];
  return { commonName, dnsNames: [...new Set(names)] };
}
