/**
 * Issues simulated leaf certificates and precertificates that look like real web-PKI ones: CN and
 * SAN dNSNames (wildcards, IDN, up to 100 names), keyUsage, extKeyUsage, basicConstraints CA:FALSE,
 * SKI/AKI, AIA (OCSP + CA Issuers), certificatePolicies, CRL DP for the commercial CA, 90- or 199-day
 * validity, random serials, RSA or ECDSA subscriber keys, RSA or ECDSA issuers. Precertificates
 * carry the critical poison extension; final certificates carry an embedded SCT list whose SCTs are
 * really signed over the matching precertificate entry.
 *
 * Speed: CA objects, issuer-constant extensions and subscriber keys are prepared once; each leaf is
 * then assembled from DER fragments and signed with node:crypto (no WebCrypto round trip, no
 * asn1js object tree), which is what lets the bench issue thousands of certificates per second.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { EntryKind } from '../ct/types.js';
import { logIdFromKey } from '../ct/sth.js';
import {
  bitString,
  explicit,
  extension,
  implicitPrimitive,
  objectIdentifier,
  octetString,
  printableString,
  sequence,
  set,
  smallInteger,
  unsignedInteger,
  utf8String,
  x509Time,
} from './der.js';
import { sharedKeyPool, type KeyPool } from './key-pool.js';
import { generateLeafNames } from './names.js';
import { sharedSimPki, signatureAlgorithmDer, type KeyAlgorithm, type SimCa, type SimPki } from './pki.js';
import { createRng, type Rng } from './rng.js';
import { encodeSctList, signSct, type SctSigner } from './sct.js';
import type { ChainCert, PrecertParts, SimCertificate } from './types.js';
import { COMMON_WORDS } from './words.js';

/** CT poison extension (RFC 6962 §3.1): critical, value ASN.1 NULL. */
export const POISON_OID = '1.3.6.1.4.1.11129.2.4.3';
/** Embedded SCT list extension (RFC 6962 §3.3). */
export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';

const OID_BYTES = {
  commonName: objectIdentifier('2.5.4.3'),
  country: objectIdentifier('2.5.4.6'),
  state: objectIdentifier('2.5.4.8'),
  locality: objectIdentifier('2.5.4.7'),
  organization: objectIdentifier('2.5.4.10'),
};
const VERSION_V3 = explicit(0, smallInteger(2));
const POISON_EXTENSION = extension(POISON_OID, true, Uint8Array.of(0x05, 0x00));
const MAX_COMMON_NAME = 64; // ub-common-name (RFC 5280): longer first SANs leave the CN out
const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface IssueRequest {
  kind?: EntryKind;
  /** SAN dNSNames to use instead of generated ones (e.g. ['login.paypal.example']). */
  dnsNames?: readonly string[];
  /** Subject CN; default the first SAN; null for a certificate without CN. */
  commonName?: string | null;
  /** Issuing CA by name: R10, R11, E5, E6, "Simulated Trust TLS RSA CA G1", "Simulated Trust TLS ECC CA G1". */
  issuer?: string;
  /** Subscriber key algorithm; default per the issuer's profile. */
  keyAlgorithm?: KeyAlgorithm;
  notBefore?: Date;
  validityDays?: number;
  /** Whether the chain ends with the root (default: 80% yes, else the intermediate alone). */
  includeRoot?: boolean;
}

export interface IssuedCertificate extends SimCertificate {
  readonly commonName: string | undefined;
  readonly dnsNames: readonly string[];
  readonly issuer: SimCa;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** precert only: issues the final certificate (same TBS, SCT list instead of the poison). */
  readonly finalCertificate?: () => IssuedCertificate;
}

export interface CertFactoryOptions {
  /** Makes names, serials and choices reproducible. Signatures (ECDSA) still differ per run. */
  seed?: number | string;
  pki?: SimPki;
  keyPool?: KeyPool;
  /** Logs whose SCTs final certificates embed; default two private keys of this factory. */
  sctSigners?: readonly SctSigner[];
  /** Clock for validity and SCT timestamps (ms). */
  now?: () => number;
  /** Share of precertificates when a request gives no kind (default 0.7). */
  precertShare?: number;
}

/** Issuer-constant DER pieces, prepared once per CA (with pkijs) and reused for every leaf. */
interface IssuerTemplate {
  ca: SimCa;
  signatureAlgorithm: Uint8Array;
  keyUsage: Record<KeyAlgorithm, Uint8Array>;
  extKeyUsage: Uint8Array;
  basicConstraints: Uint8Array;
  authorityKeyId: Uint8Array;
  authorityInfoAccess: Uint8Array;
  certificatePolicies: Uint8Array;
  crlDistributionPoints: Uint8Array | undefined;
  chainWithRoot: readonly ChainCert[];
  chainWithoutRoot: readonly ChainCert[];
}

function pkijsExtension(extnID: string, critical: boolean, value: { toSchema(): { toBER(): ArrayBuffer } }): Uint8Array {
  const ext = new pkijs.Extension({ extnID, critical, extnValue: value.toSchema().toBER() });
  return new Uint8Array(ext.toSchema().toBER());
}

function rawExtension(extnID: string, critical: boolean, value: Uint8Array): Uint8Array {
  const ext = new pkijs.Extension({ extnID, critical, extnValue: value.slice().buffer });
  return new Uint8Array(ext.toSchema().toBER());
}

function buildTemplate(ca: SimCa): IssuerTemplate {
  const profile = ca.profile;
  if (!profile) throw new Error(`${ca.name} issues no leaves`);
  const uri = (value: string): pkijs.GeneralName => new pkijs.GeneralName({ type: 6, value });
  const policies = [new pkijs.PolicyInformation({ policyIdentifier: profile.validation === 'ov' ? '2.23.140.1.2.2' : '2.23.140.1.2.1' })];
  if (profile.validation === 'ov') {
    policies.push(
      new pkijs.PolicyInformation({
        policyIdentifier: '1.3.6.1.4.1.99999.1.2.1',
        policyQualifiers: [
          new pkijs.PolicyQualifierInfo({
            policyQualifierId: '1.3.6.1.5.5.7.2.1', // id-qt-cps
            qualifier: new asn1js.IA5String({ value: 'https://cps.sim-pki.example/repository' }),
          }),
        ],
      }),
    );
  }
  const root = ca.parent;
  return {
    ca,
    signatureAlgorithm: signatureAlgorithmDer(ca.keyAlgorithm),
    keyUsage: {
      // digitalSignature for ECDSA keys; RSA keys also get keyEncipherment (TLS 1.2 RSA key exchange)
      ecdsa: rawExtension('2.5.29.15', true, Uint8Array.of(0x03, 0x02, 0x07, 0x80)),
      rsa: rawExtension('2.5.29.15', true, Uint8Array.of(0x03, 0x02, 0x05, 0xa0)),
    },
    extKeyUsage: pkijsExtension(
      '2.5.29.37',
      false,
      new pkijs.ExtKeyUsage({ keyPurposes: profile.clientAuth ? ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'] : ['1.3.6.1.5.5.7.3.1'] }),
    ),
    basicConstraints: pkijsExtension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: false })),
    authorityKeyId: pkijsExtension('2.5.29.35', false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: ca.keyId }) })),
    authorityInfoAccess: pkijsExtension(
      '1.3.6.1.5.5.7.1.1',
      false,
      new pkijs.InfoAccess({
        accessDescriptions: [
          new pkijs.AccessDescription({ accessMethod: '1.3.6.1.5.5.7.48.1', accessLocation: uri(ca.ocspUrl) }),
          new pkijs.AccessDescription({ accessMethod: '1.3.6.1.5.5.7.48.2', accessLocation: uri(ca.caIssuersUrl) }),
        ],
      }),
    ),
    certificatePolicies: pkijsExtension('2.5.29.32', false, new pkijs.CertificatePolicies({ certificatePolicies: policies })),
    crlDistributionPoints: profile.crl
      ? pkijsExtension(
          '2.5.29.31',
          false,
          new pkijs.CRLDistributionPoints({ distributionPoints: [new pkijs.DistributionPoint({ distributionPoint: [uri(ca.crlUrl)] })] }),
        )
      : undefined,
    chainWithRoot: root ? [ca, root] : [ca],
    chainWithoutRoot: [ca],
  };
}

/** PrintableString when the text allows it (as Go's x509 and most CAs do), else UTF8String. */
function directoryString(value: string): Uint8Array {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? printableString(value) : utf8String(value);
}

function attribute(oid: Uint8Array, value: Uint8Array): Uint8Array {
  return set(sequence(oid, value));
}

const OV_LOCATIONS: readonly (readonly [string, string, string])[] = [
  ['US', 'California', 'San Francisco'],
  ['US', 'New York', 'New York'],
  ['US', 'Texas', 'Austin'],
  ['DE', 'Bayern', 'München'],
  ['GB', 'England', 'London'],
  ['FR', 'Île-de-France', 'Paris'],
  ['JP', 'Tokyo', 'Minato-ku'],
  ['NL', 'Noord-Holland', 'Amsterdam'],
  ['CA', 'Ontario', 'Toronto'],
  ['BR', 'São Paulo', 'São Paulo'],
];
const ORG_SUFFIXES: readonly string[] = ['Inc.', 'LLC', 'GmbH', 'Ltd', 'S.A.', 'B.V.', 'K.K.', 'Corporation'];

function subjectName(rng: Rng, validation: 'dv' | 'ov', commonName: string | undefined): Uint8Array {
  const rdns: Uint8Array[] = [];
  if (validation === 'ov') {
    const [country, state, locality] = rng.pick(OV_LOCATIONS);
    const word = rng.pick(COMMON_WORDS);
    const org = `${word[0]!.toUpperCase()}${word.slice(1)} ${rng.pick(ORG_SUFFIXES)}`;
    rdns.push(
      attribute(OID_BYTES.country, printableString(country)),
      attribute(OID_BYTES.state, directoryString(state)),
      attribute(OID_BYTES.locality, directoryString(locality)),
      attribute(OID_BYTES.organization, directoryString(org)),
    );
  }
  if (commonName !== undefined) rdns.push(attribute(OID_BYTES.commonName, directoryString(commonName)));
  return sequence(...rdns);
}

function subjectAltName(dnsNames: readonly string[]): Uint8Array {
  const names = dnsNames.map((n) => implicitPrimitive(2, Buffer.from(n, 'latin1')));
  return extension('2.5.29.17', false, sequence(...names));
}

/** k distinct items in random order (partial Fisher-Yates). */
function sample<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const pool = [...items];
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

export class CertFactory {
  private readonly templates: Map<string, IssuerTemplate>;
  private readonly issuers: readonly (readonly [IssuerTemplate, number])[];
  private readonly rng: Rng;
  private readonly seeded: boolean;
  private readonly now: () => number;
  private readonly precertShare: number;
  private sctSigners: readonly SctSigner[];

  private constructor(
    readonly pki: SimPki,
    private readonly keys: KeyPool,
    options: CertFactoryOptions,
  ) {
    this.templates = new Map(pki.intermediates.map((ca) => [ca.name, buildTemplate(ca)]));
    this.issuers = [...this.templates.values()].map((t) => [t, t.ca.weight] as const);
    this.rng = createRng(options.seed);
    this.seeded = options.seed !== undefined;
    this.now = options.now ?? Date.now;
    this.precertShare = options.precertShare ?? 0.7;
    this.sctSigners = options.sctSigners ?? CertFactory.privateSctSigners();
  }

  /** A factory over the process-wide shared PKI and key pool unless others are given. */
  static async create(options: CertFactoryOptions = {}): Promise<CertFactory> {
    const [pki, keys] = await Promise.all([options.pki ?? sharedSimPki(), options.keyPool ?? sharedKeyPool()]);
    return new CertFactory(pki, keys, options);
  }

  private static privateSctSigners(): SctSigner[] {
    return [0, 1].map(() => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { logId: logIdFromKey(publicKey.export({ type: 'spki', format: 'der' })), privateKey };
    });
  }

  /** Which logs' SCTs final certificates embed (the simulator sets its own logs). */
  setSctSigners(signers: readonly SctSigner[]): void {
    if (signers.length > 0) this.sctSigners = signers;
  }

  /** The names the next generated certificate would use are drawn from this generator. */
  get random(): Rng {
    return this.rng;
  }

  precertificate(request: Omit<IssueRequest, 'kind'> = {}): IssuedCertificate {
    return this.issue({ ...request, kind: 'precert' });
  }

  certificate(request: Omit<IssueRequest, 'kind'> = {}): IssuedCertificate {
    return this.issue({ ...request, kind: 'x509' });
  }

  issue(request: IssueRequest = {}): IssuedCertificate {
    const rng = this.rng;
    const kind = request.kind ?? (rng.chance(this.precertShare) ? 'precert' : 'x509');
    const template = request.issuer !== undefined ? this.templates.get(request.issuer) : rng.weighted(this.issuers);
    if (!template) throw new RangeError(`unknown issuer ${request.issuer}; have ${[...this.templates.keys()].join(', ')}`);
    const { ca } = template;
    const profile = ca.profile!;

    const generated = request.dnsNames ? undefined : generateLeafNames(rng);
    const dnsNames = request.dnsNames ? [...request.dnsNames] : generated!.dnsNames;
    let commonName: string | undefined;
    if (request.commonName === null) commonName = undefined;
    else if (request.commonName !== undefined) commonName = request.commonName;
    else commonName = request.dnsNames ? dnsNames[0] : generated!.commonName;
    if (commonName !== undefined && commonName.length > MAX_COMMON_NAME) commonName = undefined;

    const keyAlgorithm = request.keyAlgorithm ?? rng.weighted(profile.leafKeys);
    const key = this.keys.pick(keyAlgorithm, rng);
    const serial = this.seeded ? rng.bytes(18) : randomBytes(18);
    serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, no leading zero byte
    const now = this.now();
    // CAs backdate notBefore by an hour against clock skew; whole seconds only.
    const notBefore = request.notBefore ?? new Date(Math.floor((now - HOUR) / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + (request.validityDays ?? profile.validityDays) * DAY - 1000);

    const head = [
      VERSION_V3,
      unsignedInteger(serial),
      template.signatureAlgorithm,
      ca.subjectDer,
      sequence(x509Time(notBefore), x509Time(notAfter)),
      subjectName(rng, profile.validation, commonName),
      key.spkiDer,
    ];
    const extensions = [
      template.keyUsage[keyAlgorithm],
      template.extKeyUsage,
      template.basicConstraints,
      extension('2.5.29.14', false, octetString(key.keyId)),
      template.authorityKeyId,
      template.authorityInfoAccess,
      subjectAltName(dnsNames),
      template.certificatePolicies,
      ...(template.crlDistributionPoints ? [template.crlDistributionPoints] : []),
    ];
    // Most CAs put the CT extension last; some place it earlier, which consumers must not mind.
    const ctPosition = rng.chance(0.9) ? extensions.length : rng.int(extensions.length);
    const tbsWith = (ctExtension: Uint8Array | undefined): Uint8Array => {
      const exts = ctExtension ? [...extensions.slice(0, ctPosition), ctExtension, ...extensions.slice(ctPosition)] : extensions;
      return sequence(...head, explicit(3, sequence(...exts)));
    };

    // The RFC 6962 PreCert TBS: the TBSCertificate without the poison (and without an SCT list).
    const precert: PrecertParts = { tbs: tbsWith(undefined), issuerKeyHash: ca.keyHash };
    const signed = (tbs: Uint8Array): Uint8Array => sequence(tbs, template.signatureAlgorithm, bitString(sign('sha256', tbs, ca.privateKey)));
    // The final certificate embeds SCTs over the precert TBS; drawn from this.rng only when built.
    const finalDer = (): Uint8Array => {
      const signers = sample(rng, this.sctSigners, Math.min(this.sctSigners.length, rng.between(2, 3)));
      const scts = signers.map((s) => signSct(s, now - rng.between(1000, 60_000), precert));
      return signed(tbsWith(extension(SCT_LIST_OID, false, octetString(encodeSctList(scts)))));
    };
    // Drawn before includeRoot, as always, so seeded runs issue what they did.
    const der = kind === 'x509' ? finalDer() : signed(tbsWith(POISON_EXTENSION));

    const includeRoot = request.includeRoot ?? rng.chance(0.8);
    const common = {
      chain: includeRoot ? template.chainWithRoot : template.chainWithoutRoot,
      commonName,
      dnsNames,
      issuer: ca,
      serialHex: Buffer.from(serial).toString('hex'),
      notBefore,
      notAfter,
    };
    if (kind === 'x509') return { kind, der, ...common };
    return {
      kind,
      der,
      precert,
      ...common,
      finalCertificate: () => ({ kind: 'x509', der: finalDer(), ...common }),
    };
  }
}
