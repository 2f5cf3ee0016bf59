/**
 * The simulator's small web PKI: three roots and six issuing intermediates shaped like the real
 * ones that dominate CT (a Let's Encrypt-like RSA "R" and ECDSA "E" hierarchy, and a commercial CA
 * with OV profiles). CA keys are made and CA certificates signed with pkijs over node's WebCrypto;
 * leaves are then signed with the same keys through node:crypto (see cert-factory.ts).
 */
import { createHash, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { tlv } from './der.js';
import { RSA_CA_KEYS, rsaKeyDer } from './rsa-keys.js';
import type { ChainCert } from './types.js';

export type KeyAlgorithm = 'rsa' | 'ecdsa';

/** How the leaves an intermediate issues look (validation level, lifetime, extension flavour). */
export interface LeafProfile {
  /** 'dv': CN only; 'ov': C/ST/L/O/CN subject and the OV policy OID. */
  validation: 'dv' | 'ov';
  validityDays: number;
  /** Key algorithms of subscriber keys this CA signs, with weights. */
  leafKeys: readonly (readonly [KeyAlgorithm, number])[];
  /** Whether the EKU lists clientAuth next to serverAuth (commercial CAs still do). */
  clientAuth: boolean;
  /** Whether leaves carry a CRL distribution point. */
  crl: boolean;
}

export interface SimCa extends ChainCert {
  /** Subject CN, also the handle used to pick an issuer ("R10", "E5", ...). */
  readonly name: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly privateKey: KeyObject;
  readonly spkiDer: Uint8Array;
  /** SHA-256 of spkiDer: the RFC 6962 issuer_key_hash of precerts this CA issues. */
  readonly keyHash: Uint8Array;
  /** SHA-1 key identifier, copied into children's AKI. */
  readonly keyId: Uint8Array;
  /** DER Name, the issuer field of children. */
  readonly subjectDer: Uint8Array;
  /** AIA URLs for certificates this CA issues. */
  readonly ocspUrl: string;
  readonly caIssuersUrl: string;
  readonly crlUrl: string;
  /** Issuing CA; undefined for roots. */
  readonly parent: SimCa | undefined;
  /** Leaf profile; undefined for roots (roots issue no leaves here). */
  readonly profile: LeafProfile | undefined;
  /** Relative share of leaves this CA issues. */
  readonly weight: number;
}

export interface SimPki {
  readonly roots: readonly SimCa[];
  readonly intermediates: readonly SimCa[];
  byName(name: string): SimCa | undefined;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  country: '2.5.4.6',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  certificatePolicies: '2.5.29.32',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  domainValidated: '2.23.140.1.2.1',
} as const;

/**
 * The WebCrypto-backed pkijs engine; passed explicitly so no global engine is installed. (pkijs's
 * typings name the DOM's Crypto/CryptoKey, which this Node-only build does not load, so node's
 * webcrypto objects are accepted as they are.)
 */
export const pkiEngine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto });

interface CaSpec {
  name: string;
  organization: string;
  keyAlgorithm: KeyAlgorithm;
  parent?: string;
  /** Host label for the CA's AIA/CRL URLs. */
  urlLabel: string;
  profile?: LeafProfile;
  weight?: number;
}

const LE_STYLE_RSA: LeafProfile = {
  validation: 'dv',
  validityDays: 90,
  leafKeys: [['rsa', 1]],
  clientAuth: false,
  crl: false,
};
const LE_STYLE_ECDSA: LeafProfile = { ...LE_STYLE_RSA, leafKeys: [['ecdsa', 1]] };
const COMMERCIAL: LeafProfile = {
  validation: 'ov',
  validityDays: 199,
  leafKeys: [
    ['rsa', 3],
    ['ecdsa', 1],
  ],
  clientAuth: true,
  crl: true,
};

const CA_SPECS: readonly CaSpec[] = [
  { name: 'Sim Root X1', organization: 'Simulated Encrypt', keyAlgorithm: 'rsa', urlLabel: 'x1' },
  { name: 'Sim Root X2', organization: 'Simulated Encrypt', keyAlgorithm: 'ecdsa', urlLabel: 'x2' },
  { name: 'Simulated Global Root G2', organization: 'Simulated Trust Inc', keyAlgorithm: 'rsa', urlLabel: 'g2' },
  { name: 'R10', organization: 'Simulated Encrypt', keyAlgorithm: 'rsa', parent: 'Sim Root X1', urlLabel: 'r10', profile: LE_STYLE_RSA, weight: 28 },
  { name: 'R11', organization: 'Simulated Encrypt', keyAlgorithm: 'rsa', parent: 'Sim Root X1', urlLabel: 'r11', profile: LE_STYLE_RSA, weight: 28 },
  { name: 'E5', organization: 'Simulated Encrypt', keyAlgorithm: 'ecdsa', parent: 'Sim Root X2', urlLabel: 'e5', profile: LE_STYLE_ECDSA, weight: 14 },
  { name: 'E6', organization: 'Simulated Encrypt', keyAlgorithm: 'ecdsa', parent: 'Sim Root X2', urlLabel: 'e6', profile: LE_STYLE_ECDSA, weight: 14 },
  { name: 'Simulated Trust TLS RSA CA G1', organization: 'Simulated Trust Inc', keyAlgorithm: 'rsa', parent: 'Simulated Global Root G2', urlLabel: 'tlsrsa', profile: COMMERCIAL, weight: 10 },
  { name: 'Simulated Trust TLS ECC CA G1', organization: 'Simulated Trust Inc', keyAlgorithm: 'ecdsa', parent: 'Simulated Global Root G2', urlLabel: 'tlsecc', profile: { ...COMMERCIAL, leafKeys: [['ecdsa', 1]] }, weight: 6 },
];

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();

/** The CA's key pair as WebCrypto keys (pkijs signs with them): RSA from rsa-keys.ts, P-256 made fresh. */
async function caKeyPair(spec: CaSpec): Promise<webcrypto.CryptoKeyPair> {
  if (spec.keyAlgorithm === 'ecdsa') return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pkcs8 = RSA_CA_KEYS[spec.name];
  if (pkcs8 === undefined) throw new Error(`no fixed RSA key for CA ${spec.name} in rsa-keys.ts`);
  const der = rsaKeyDer(pkcs8);
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', der.pkcs8, algorithm, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', der.spki, algorithm, true, ['verify']),
  };
}

/**
 * The CA's Name with one attribute per RDN, as real CAs encode it. (pkijs would put every
 * attribute of a fresh RelativeDistinguishedNames into a single multi-valued RDN, so the DER is
 * built with asn1js and handed to pkijs pre-encoded.)
 */
function caName(spec: CaSpec): pkijs.RelativeDistinguishedNames {
  const rdn = (type: string, value: asn1js.BaseBlock): asn1js.Set =>
    new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), value] })] });
  const name = new asn1js.Sequence({
    value: [
      rdn(OID.country, new asn1js.PrintableString({ value: 'US' })),
      rdn(OID.organization, new asn1js.Utf8String({ value: spec.organization })),
      rdn(OID.commonName, new asn1js.Utf8String({ value: spec.name })),
    ],
  });
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(name.toBER()).result });
}

function ext(extnID: string, critical: boolean, value: Uint8Array | ArrayBuffer): pkijs.Extension {
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
  return new pkijs.Extension({ extnID, critical, extnValue: bytes.slice().buffer });
}

function urlsFor(label: string): { ocspUrl: string; caIssuersUrl: string; crlUrl: string } {
  return {
    ocspUrl: `http://${label}.o.sim-pki.example`,
    caIssuersUrl: `http://${label}.i.sim-pki.example/`,
    crlUrl: `http://${label}.c.sim-pki.example/${label}.crl`,
  };
}

/** Builds and signs one CA certificate (self-signed when parent is undefined). */
async function createCa(spec: CaSpec, parent: { ca: SimCa; cryptoKey: webcrypto.CryptoKey } | undefined): Promise<{
  ca: SimCa;
  cryptoKey: webcrypto.CryptoKey;
}> {
  const keys = await caKeyPair(spec);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, and no leading zero byte to strip
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  const subject = caName(spec);
  cert.subject = subject;
  cert.issuer = parent ? new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(parent.ca.subjectDer).result }) : caName(spec);
  const now = Date.now();
  const year = 365 * 24 * 3600 * 1000;
  cert.notBefore.value = new Date(parent ? now - year : now - 10 * year);
  cert.notAfter.value = new Date(parent ? now + 2 * year : now + 15 * year);
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, pkiEngine);

  const keyId = sha1(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
  const extensions: pkijs.Extension[] = [
    // keyUsage: digitalSignature (intermediates sign OCSP) + keyCertSign + cRLSign
    ext(OID.keyUsage, true, parent ? tlv(0x03, Uint8Array.of(1, 0x86)) : tlv(0x03, Uint8Array.of(1, 0x06))),
    ext(OID.basicConstraints, true, new pkijs.BasicConstraints(parent ? { cA: true, pathLenConstraint: 0 } : { cA: true }).toSchema().toBER()),
    ext(OID.subjectKeyId, false, new asn1js.OctetString({ valueHex: keyId }).toBER()),
  ];
  if (parent) {
    extensions.push(
      ext(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.clientAuth, OID.serverAuth] }).toSchema().toBER()),
      ext(OID.authorityKeyId, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: parent.ca.keyId }) }).toSchema().toBER()),
      ext(
        OID.authorityInfoAccess,
        false,
        new pkijs.InfoAccess({
          accessDescriptions: [
            new pkijs.AccessDescription({
              accessMethod: OID.caIssuers,
              accessLocation: new pkijs.GeneralName({ type: 6, value: parent.ca.caIssuersUrl }),
            }),
          ],
        }).toSchema().toBER(),
      ),
      ext(OID.certificatePolicies, false, new pkijs.CertificatePolicies({ certificatePolicies: [new pkijs.PolicyInformation({ policyIdentifier: OID.domainValidated })] }).toSchema().toBER()),
    );
  }
  cert.extensions = extensions;
  await cert.sign(parent?.cryptoKey ?? keys.privateKey, 'SHA-256', pkiEngine);

  const der = new Uint8Array(cert.toSchema(true).toBER());
  const spkiDer = new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER());
  const ca: SimCa = {
    name: spec.name,
    keyAlgorithm: spec.keyAlgorithm,
    privateKey: KeyObject.from(keys.privateKey),
    der,
    fingerprint: sha256(der),
    spkiDer,
    keyHash: sha256(spkiDer),
    keyId,
    subjectDer: new Uint8Array(subject.toSchema().toBER()),
    ...urlsFor(spec.urlLabel),
    parent: parent?.ca,
    profile: spec.profile,
    weight: spec.weight ?? 0,
  };
  return { ca, cryptoKey: keys.privateKey };
}

/** Creates a fresh PKI: new CA certificates (fresh serials and dates, fresh P-256 keys) over the fixed RSA keys. */
export async function createSimPki(): Promise<SimPki> {
  const made = new Map<string, { ca: SimCa; cryptoKey: webcrypto.CryptoKey }>();
  // Roots first (in parallel), then the intermediates they sign.
  const roots = CA_SPECS.filter((s) => s.parent === undefined);
  for (const [i, r] of (await Promise.all(roots.map((s) => createCa(s, undefined)))).entries()) {
    made.set(roots[i]!.name, r);
  }
  const intermediates = CA_SPECS.filter((s) => s.parent !== undefined);
  const signed = await Promise.all(intermediates.map((s) => createCa(s, made.get(s.parent!))));
  for (const [i, r] of signed.entries()) made.set(intermediates[i]!.name, r);

  const all = [...made.values()].map((m) => m.ca);
  return {
    roots: all.filter((ca) => ca.parent === undefined),
    intermediates: all.filter((ca) => ca.parent !== undefined),
    byName: (name) => all.find((ca) => ca.name === name),
  };
}

let sharedPki: Promise<SimPki> | undefined;

/** One PKI per process, shared by simulators and factories unless they bring their own. */
export function sharedSimPki(): Promise<SimPki> {
  sharedPki ??= createSimPki();
  return sharedPki;
}

/** DER AlgorithmIdentifier for certificates signed by a key of this algorithm (SHA-256). */
export function signatureAlgorithmDer(algorithm: KeyAlgorithm): Uint8Array {
  const alg =
    algorithm === 'rsa'
      ? new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.11', algorithmParams: new asn1js.Null() })
      : new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.10045.4.3.2' });
  return new Uint8Array(alg.toSchema().toBER());
}

/** The subject's keyIdentifier method 1 (RFC 5280 §4.2.1.2): SHA-1 of the subjectPublicKey bits. */
export function subjectKeyIdOf(spkiDer: Uint8Array): Uint8Array {
  const info = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spkiDer).result });
  return sha1(info.subjectPublicKey.valueBlock.valueHexView);
}
