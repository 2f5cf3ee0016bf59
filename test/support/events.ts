/** A CertEvent made from a freshly issued simulator certificate, for tests of what is built from events. */
import type { CertEvent } from '../../src/ingest/event.js';
import { CertFactory } from '../../src/sim/cert-factory.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { certificateKey } from '../../src/x509/cert-key.js';

export async function simulatedEvent(seed: string, dnsNames: string[]): Promise<CertEvent> {
  const factory = await CertFactory.create({ seed });
  const issued = factory.precertificate({ dnsNames, includeRoot: true });
  return {
    seq: 41,
    update_type: 'PrecertLogEntry',
    leaf_cert: parseCertificate(issued.der),
    chain: issued.chain.map((c) => parseCertificate(c.der)),
    cert_index: 123456,
    cert_link: 'https://ct.example/log/ct/v1/get-entries?start=123456&end=123456',
    seen: 1700000000.123,
    source: { url: 'https://ct.example/log/', name: "Simulated 'log' \"quoted\"" },
    certKey: certificateKey(issued.der),
    leafDer: issued.der,
    log: { api: 'rfc6962', url: 'https://ct.example/log/' },
  };
}
