import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeRfc6962Entry } from '../../src/ct/leaf.js';
import { CertFactory } from '../../src/sim/cert-factory.js';
import { loadCertificatesDir } from '../../src/sim/cert-dir.js';
import { startSimulator } from '../../src/sim/simulator.js';
import { fixturePath, sharedFixtures } from '../support/fixtures.js';
import { getJson } from './http-client.js';
import { skipWithout } from '../support/requirements.js';

const pem = (der: Uint8Array): string => new X509Certificate(der).toString();

void describe('--certs-dir loader', () => {
  void it('loads PEM and DER files, builds chains, and turns poisoned certificates into precert entries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-certs-'));
    try {
      const factory = await CertFactory.create({ seed: 'certs-dir' });
      const pre = factory.precertificate({ issuer: 'E5', includeRoot: true });
      const final = factory.certificate({ issuer: 'R10', includeRoot: false });
      const e5 = factory.pki.byName('E5')!;
      await writeFile(join(dir, 'a-precert.pem'), `some text dump first\n${pem(pre.der)}`);
      await writeFile(join(dir, 'b-final.der'), final.der);
      // issuers: one PEM bundle with the intermediates and roots
      await writeFile(join(dir, 'issuers.pem'), [e5, e5.parent!, factory.pki.byName('R10')!].map((c) => pem(c.der)).join(''));
      await writeFile(join(dir, 'notes.txt'), 'not a certificate');
      await writeFile(join(dir, 'garbage.der'), Buffer.concat([Buffer.from([0x30, 0x82, 0x10, 0x00]), Buffer.alloc(100, 7)]));

      const loaded = await loadCertificatesDir(dir);
      assert.equal(loaded.issuers, 3);
      assert.deepEqual(loaded.skipped.map((s) => s.file), [join(dir, 'notes.txt')]);
      assert.equal(loaded.certificates.length, 3, 'two leaves and one undecodable blob');
      const [precert, x509, garbage] = loaded.certificates;
      assert.equal(precert?.kind, 'precert');
      assert.deepEqual(Buffer.from(precert.precert!.tbs), Buffer.from(pre.precert!.tbs), 'PreCert TBS recomputed byte for byte');
      assert.deepEqual(Buffer.from(precert.precert!.issuerKeyHash), Buffer.from(e5.keyHash));
      assert.equal(precert.chain.length, 2, 'intermediate and root');
      assert.equal(x509?.kind, 'x509');
      assert.equal(x509.chain.length, 1, 'R10 only: its root is not in the folder');
      assert.equal(garbage?.kind, 'x509');
      assert.equal(garbage.chain.length, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('loads the shared real-certificate fixtures and serves them', { skip: skipWithout(sharedFixtures) }, async () => {
    const loaded = await loadCertificatesDir(fixturePath('certs'));
    assert.ok(loaded.certificates.length >= 10, `${loaded.certificates.length} certificates`);
    const github = loaded.certificates.find((c) => {
      try {
        return new X509Certificate(c.der).subject.includes('CN=github.com');
      } catch {
        return false;
      }
    });
    assert.ok(github, 'github.com leaf found');
    assert.ok(github.chain.length >= 1, 'chained to the DigiCert EV intermediate from the same file');

    const sim = await startSimulator({ rfc6962Logs: 1, tiledLogs: 0, certsDir: fixturePath('certs'), realCertShare: 1, seed: 'real' });
    try {
      sim.append(loaded.certificates.length);
      const log = sim.logs[0]!;
      const page = await getJson<{ entries: { leaf_input: string; extra_data: string }[] }>(
        `${log.urls.url}ct/v1/get-entries?start=0&end=${loaded.certificates.length - 1}`,
      );
      const served = new Set(
        page.entries.map((e, i) =>
          createHash('sha256').update(decodeRfc6962Entry(i, Buffer.from(e.leaf_input, 'base64'), Buffer.from(e.extra_data, 'base64')).leafDer).digest('hex'),
        ),
      );
      const expected = new Set(loaded.certificates.map((c) => createHash('sha256').update(c.der).digest('hex')));
      assert.deepEqual(served, expected, 'every real certificate served once');
    } finally {
      await sim.close();
    }
  });
});
