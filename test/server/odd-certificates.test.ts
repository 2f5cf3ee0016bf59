/**
 * End to end: simulated logs (one RFC 6962, one static-ct) serve real odd certificates that OpenSSL
 * reads (negative serials, BER, a time OpenSSL cannot read, invalid UTF-8 in an attribute nobody
 * shows, a version above v3, differing signature algorithms, a repeated extension, a policy
 * qualifier of the wrong type) and the real server must stream every one of them on all three
 * channels, with exact fields, and count each field it could not decode in /healthz and /metrics.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { SimCertificate } from '../../src/sim/types.js';
import { parseCertificate, readPemCertificates, type CertFieldIssue } from '../../src/x509/index.js';
import { cryptographyVectorsDir, cryptographyVectors } from '../support/cryptography-vectors.js';
import { fixturePath, sharedFixtures } from '../support/fixtures.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';
import { skipWithout } from '../support/requirements.js';

type Json = Record<string, unknown>;

interface Odd {
  readonly label: string;
  readonly der: Uint8Array;
  /** Fields that must have exactly these values (on top of the comparison with our parse and OpenSSL). */
  readonly expect: Record<string, unknown>;
}

function pemFile(path: string): Uint8Array {
  return readPemCertificates(readFileSync(path, 'latin1'))[0]!;
}

/** The odd certificates of the shared fixtures. */
function fixtureOdds(): Odd[] {
  const roots = JSON.parse(readFileSync(fixturePath('rfc6962', 'argon2025h2', 'get-roots.json'), 'utf8')) as { certificates: string[] };
  const google = (file: string): Uint8Array => pemFile(fixturePath('certs', 'google-certificate-transparency', file));
  return [
    { label: 'EC-ACC root (negative serial)', der: Buffer.from(roots.certificates[150]!, 'base64'), expect: { serial_number: '-11D4C2142BDE21EB579D53FB0C223BFF' } },
    { label: 'BER indefinite lengths', der: google('asn1_indefinite_length_encoding.pem'), expect: { serial_number: '0', not_before: 828958827 } },
    { label: 'UTCTime with 15 characters', der: pemFile(fixturePath('certs', 'pyca-cryptography', 'badasn1time.pem')), expect: { not_after: null } },
    { label: 'invalid UTF-8 in streetAddress', der: google('cert_bad_utf8_subject.pem'), expect: {} },
  ];
}

/** The odd certificates of python3-cryptography-vectors. */
function vectorOdds(): Odd[] {
  const file = (path: string): Uint8Array => (path.endsWith('.pem') ? pemFile(`${cryptographyVectorsDir!}/${path}`) : readFileSync(`${cryptographyVectorsDir!}/${path}`));
  return [
    { label: 'version above v3', der: file('custom/invalid_version.pem'), expect: { is_ca: true } },
    { label: 'inner and outer signature algorithms differ', der: file('v1_cert.pem'), expect: { serial_number: '18' } },
    { label: 'basicConstraints twice', der: file('custom/two_basic_constraints.pem'), expect: { is_ca: true } },
    { label: 'UserNotice qualifier holding an IA5String', der: file('custom/cp_invalid.pem'), expect: {} },
    { label: 'negative serial', der: file('custom/negative_serial.pem'), expect: { serial_number: '-4316693ED' } },
  ];
}

function sha256(der: Uint8Array): Buffer {
  return createHash('sha256').update(der).digest();
}

const isUpdate = (m: unknown): m is { message_type: 'certificate_update'; data: Json } => (m as Json).message_type === 'certificate_update';

/** What the wire carries for a parsed certificate (JSON drops nothing else). */
function onTheWire(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

/** Without the vectors the suite runs on the shared fixtures' odd certificates only. */
const withoutVectors = skipWithout(cryptographyVectors);

describe('odd certificates end to end', { skip: skipWithout(sharedFixtures) }, () => {
  let stack: Stack;
  let odds: Odd[];
  /** The chain logged with the second certificate: the EC-ACC root (negative serial) and the one with a bad time. */
  let oddChain: Uint8Array[];
  const clients: Record<string, RecordingClient> = {};

  before(async () => {
    odds = [...fixtureOdds(), ...(withoutVectors ? [] : vectorOdds())];
    oddChain = [odds[0]!.der, odds[2]!.der];
    stack = await startStack({ seed: 'odd-certificates' });
    for (const path of ['/', '/full-stream', '/domains-only']) clients[path] = await connectRecording(`ws://${stack.base}${path}`);
    const entries: SimCertificate[] = odds.map(({ der }, i) => ({
      kind: 'x509',
      der,
      chain: i === 1 ? oddChain.map((der) => ({ der, fingerprint: sha256(der) })) : [],
    }));
    for (const log of stack.sim.logs) stack.sim.appendCertificates(log.slug, entries);
    const expected = odds.length * stack.sim.logs.length;
    await waitFor(`${expected} certificates on every channel`, () =>
      Object.values(clients).every((c) => c.messages.filter((m) => (m as Json).message_type !== 'heartbeat').length === expected),
    );
  });

  after(async () => {
    await Promise.all(Object.values(clients).map((c) => c.close()));
    await stack?.close();
  });

  it('uses certificates OpenSSL reads, but for the one with invalid UTF-8 in a name (OpenSSL 3 refuses it)', () => {
    for (const { label, der } of odds) {
      if (label === 'invalid UTF-8 in streetAddress') assert.throws(() => new X509Certificate(der), label);
      else assert.doesNotThrow(() => new X509Certificate(der), label);
    }
  });

  it('streams each of them from both logs on /full-stream with exact fields', () => {
    const updates = clients['/full-stream']!.messages.filter(isUpdate);
    for (const log of stack.sim.logs) {
      const fromLog = updates.filter((u) => (u.data.source as Json).url === log.urls.monitoringUrl);
      assert.deepEqual(
        fromLog.map((u) => u.data.cert_index),
        odds.map((_, i) => i),
        `${log.slug}: every certificate, in order, source.url with its scheme`,
      );
      fromLog.forEach(({ data }, i) => {
        const { label, der, expect } = odds[i]!;
        const leaf = data.leaf_cert as Json;
        assert.deepEqual(leaf, onTheWire(parseCertificate(der)), `${log.slug} ${label}: the parse, whole`);
        for (const [field, value] of Object.entries(expect)) assert.deepEqual(leaf[field], value, `${log.slug} ${label} ${field}`);
        assert.equal(leaf.as_der, Buffer.from(der).toString('base64'), `${label}: the logged bytes`);
        const openssl = (() => {
          try {
            return new X509Certificate(der);
          } catch {
            return undefined; // invalid UTF-8 in a name: OpenSSL 3 refuses it; we still stream it
          }
        })();
        if (openssl !== undefined) {
          assert.equal(leaf.sha256, openssl.fingerprint256, `${label} sha256`);
          assert.equal(leaf.serial_number, openssl.serialNumber.replace(/^(-?)0+(?=.)/, '$1'), `${label} serial`);
        }
        const chain = data.chain as Json[];
        if (i === 1) {
          const expectedChain = oddChain.map((der) => {
            const { all_domains: _domains, ...cert } = onTheWire(parseCertificate(der));
            return cert;
          });
          assert.deepEqual(chain, expectedChain, `${label}: odd chain certificates are kept`);
        } else {
          assert.deepEqual(chain, []);
        }
      });
    }
  });

  it('sends the same leaves without DER on / and their domains on /domains-only', () => {
    const full = clients['/full-stream']!.messages.filter(isUpdate);
    const lite = clients['/']!.messages.filter(isUpdate);
    const domains = clients['/domains-only']!.messages.filter((m) => (m as Json).message_type === 'dns_entries') as Json[];
    assert.equal(lite.length, full.length);
    lite.forEach(({ data }, i) => {
      const { as_der: _der, ...leafWithoutDer } = full[i]!.data.leaf_cert as Json;
      assert.deepEqual(data.leaf_cert, leafWithoutDer);
      assert.deepEqual(data.source, full[i]!.data.source);
      assert.equal(data.seq, full[i]!.data.seq);
    });
    assert.deepEqual(
      domains.map((m) => [m.seq, m.data]),
      full.map(({ data }) => [data.seq, (data.leaf_cert as Json).all_domains]),
    );
  });

  it('counts every field it could not decode, per log, in /healthz and /metrics', async () => {
    const expected: Record<string, number> = {};
    odds.forEach(({ der }, i) => {
      const issues: CertFieldIssue[] = [];
      parseCertificate(der, issues);
      for (const { reason } of issues) expected[reason] = (expected[reason] ?? 0) + 1;
      if (i === 1) {
        const chainIssues: CertFieldIssue[] = [];
        for (const der of oddChain) parseCertificate(der, chainIssues);
        for (const { reason } of chainIssues) expected[`chain_${reason}`] = (expected[`chain_${reason}`] ?? 0) + 1;
      }
    });
    assert.ok((expected.time ?? 0) > 0 && (expected.chain_time ?? 0) > 0, 'the bad time is among them, as a leaf and in a chain');
    const health = (await (await fetch(`http://${stack.base}/healthz`)).json()) as { logs: { name: string; fieldIssues: Record<string, number>; parseErrors: Record<string, number> }[] };
    assert.equal(health.logs.length, 2);
    const metrics = await (await fetch(`http://${stack.base}/metrics`)).text();
    for (const log of health.logs) {
      assert.deepEqual(log.fieldIssues, expected, log.name);
      assert.deepEqual(log.parseErrors, {}, `${log.name}: nothing dropped`);
      for (const [reason, n] of Object.entries(expected)) {
        assert.ok(metrics.includes(`certstream_cert_field_issues_total{log="${log.name}",reason="${reason}"} ${n}\n`), `${log.name} ${reason} in /metrics`);
      }
    }
  });
});
