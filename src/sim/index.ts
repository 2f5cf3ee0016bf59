/** The CT log simulator's public API (see simulator.ts for the server, cert-factory.ts for certificates). */
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator.js';
export { CertFactory, POISON_OID, SCT_LIST_OID, type CertFactoryOptions, type IssueRequest, type IssuedCertificate } from './cert-factory.js';
export { loadCertificatesDir, type LoadedCertificates } from './cert-dir.js';
export { faultSpecSchema, setFaultsRequestSchema, FAULT_ENDPOINTS, ENTRY_FAULTS, type FaultSpec, type FaultEndpoint, type EntryFaultKind } from './faults.js';
export { SimLog, type LogApi, type SimLogConfig, type SimLogUrls, type PublishedHead } from './sim-log.js';
export { precertTbsWithoutPoison, tbsWithoutExtension } from './precert-tbs.js';
export type { ChainCert, PrecertParts, SimCertificate } from './types.js';
