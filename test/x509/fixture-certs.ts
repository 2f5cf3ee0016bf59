/**
 * The real certificates in the shared fixtures, as DER, for the x509 tests and benchmark:
 * every file under certs/ (PEM or DER), and the certificates embedded in CT data (the 2018
 * danadjs.ch entry, the Argon2025h2 precert entry, Argon2025h2's 664 roots, the navigli2025h2
 * issuers and the 512 precertificates of its data tiles).
 *
 * The CT framing is decoded here with a few lines of byte reading instead of src/ct, so these
 * tests depend on nothing but the x509 module.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseCertificate, readPemCertificates, type CertStreamCert } from '../../src/x509/index.js';
import { fixturePath } from '../support/fixtures.js';

export interface FixtureCert {
  /** Where it came from: "certs/<dir>/<file>#<n>" or a CT data description. */
  readonly label: string;
  readonly der: Uint8Array;
}

export interface ParsedFixtureCert extends FixtureCert {
  readonly cert: CertStreamCert;
}

/** Every certificate blob under certs/, in a stable order (40 blobs in 35 files). */
export function certsDirectoryBlobs(): FixtureCert[] {
  const out: FixtureCert[] = [];
  const root = fixturePath('certs');
  for (const dir of readdirSync(root).sort()) {
    for (const file of readdirSync(`${root}/${dir}`).sort()) {
      const bytes = readFileSync(`${root}/${dir}/${file}`);
      const ders = file.endsWith('.der') ? [new Uint8Array(bytes)] : readPemCertificates(bytes.toString('latin1'));
      ders.forEach((der, i) => out.push({ label: `certs/${dir}/${file}#${i}`, der }));
    }
  }
  return out;
}

/** The danadjs.ch x509_entry of 2018: its leaf, then the chain [LE Authority X3, DST Root CA X3]. */
export function danadjsEntry(): { leaf: Uint8Array; chain: Uint8Array[] } {
  const json = readJson('rfc6962', 'misc', 'get-entries_x509_danadjs.ch_2018.json');
  const entry = json.entries[0]!;
  // MerkleTreeLeaf: version(1) leaf_type(1) timestamp(8) entry_type(2), then ASN.1Cert<1..2^24-1>.
  const leafInput = Buffer.from(entry.leaf_input, 'base64');
  const leaf = lengthPrefixed(leafInput, 12, 3).value;
  // extra_data: certificate_chain<0..2^24-1> of ASN.1Cert<1..2^24-1>.
  const extra = Buffer.from(entry.extra_data, 'base64');
  return { leaf, chain: certificateList(lengthPrefixed(extra, 0, 3).value) };
}

/** Every real certificate in the fixtures (certs/ blobs first), for corpus-wide checks. */
export function allFixtureCerts(): FixtureCert[] {
  const out = certsDirectoryBlobs();

  const danadjs = danadjsEntry();
  out.push({ label: 'danadjs.ch leaf', der: danadjs.leaf });
  danadjs.chain.forEach((der, i) => out.push({ label: `danadjs.ch chain[${i}]`, der }));

  // PrecertChainEntry: pre_certificate ASN.1Cert, then precertificate_chain<0..2^24-1>.
  const argon = readJson('rfc6962', 'argon2025h2', 'get-entries_912557348.json');
  const argonExtra = Buffer.from(argon.entries[0]!.extra_data, 'base64');
  const preCertificate = lengthPrefixed(argonExtra, 0, 3);
  out.push({ label: 'argon2025h2 pre_certificate', der: preCertificate.value });
  certificateList(lengthPrefixed(argonExtra, preCertificate.next, 3).value).forEach((der, i) =>
    out.push({ label: `argon2025h2 chain[${i}]`, der }),
  );

  const roots = JSON.parse(readFileSync(fixturePath('rfc6962', 'argon2025h2', 'get-roots.json'), 'utf8')) as { certificates: string[] };
  roots.certificates.forEach((b64, i) => out.push({ label: `argon2025h2 root ${i}`, der: Buffer.from(b64, 'base64') }));

  const issuerDir = fixturePath('static-ct', 'navigli2025h2', 'issuer');
  for (const name of readdirSync(issuerDir).sort()) {
    out.push({ label: `navigli2025h2 issuer ${name.slice(0, 8)}`, der: new Uint8Array(readFileSync(`${issuerDir}/${name}`)) });
  }
  for (const tile of ['000', '001']) {
    tilePreCertificates(readFileSync(fixturePath('static-ct', 'navigli2025h2', 'tile', 'data', tile))).forEach((der, i) =>
      out.push({ label: `navigli2025h2 tile ${tile} precert ${i}`, der }),
    );
  }
  return out;
}

/** The fixture certificates parseCertificate accepts, with their parse (fixtures.unit.test.ts accounts for the rest). */
export function parsableFixtureCerts(): ParsedFixtureCert[] {
  return allFixtureCerts().flatMap((fixture) => {
    try {
      return [{ ...fixture, cert: parseCertificate(fixture.der) }];
    } catch {
      return [];
    }
  });
}

/**
 * pre_certificate of each TileLeaf (static-ct-api): timestamp(8) entry_type(2); precert entries
 * then carry issuer_key_hash(32) TBSCertificate<1..2^24-1> extensions<0..2^16-1>
 * pre_certificate<1..2^24-1> fingerprints<0..2^16-1>.
 */
function tilePreCertificates(tile: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < tile.length) {
    const entryType = tile.readUInt16BE(p + 8);
    p += 10;
    if (entryType === 0) {
      p = lengthPrefixed(tile, p, 3).next;
      p = lengthPrefixed(tile, p, 2).next;
      p = lengthPrefixed(tile, p, 2).next;
      continue;
    }
    p = lengthPrefixed(tile, p + 32, 3).next;
    p = lengthPrefixed(tile, p, 2).next;
    const preCertificate = lengthPrefixed(tile, p, 3);
    out.push(preCertificate.value);
    p = lengthPrefixed(tile, preCertificate.next, 2).next;
  }
  return out;
}

function certificateList(bytes: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0; p < bytes.length; ) {
    const cert = lengthPrefixed(bytes, p, 3);
    out.push(cert.value);
    p = cert.next;
  }
  return out;
}

function lengthPrefixed(bytes: Buffer, at: number, lengthBytes: 2 | 3): { value: Buffer; next: number } {
  const length = bytes.readUIntBE(at, lengthBytes);
  const start = at + lengthBytes;
  if (start + length > bytes.length) throw new Error(`fixture framing: ${length} bytes at ${start} run past the end`);
  return { value: bytes.subarray(start, start + length), next: start + length };
}

interface GetEntries {
  entries: { leaf_input: string; extra_data: string }[];
}

function readJson(...parts: string[]): GetEntries {
  return JSON.parse(readFileSync(fixturePath(...parts), 'utf8')) as GetEntries;
}
