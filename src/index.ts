/**
 * certstream-ts as a library: the ingest core, the server, the simulator and the certificate parser.
 * The WebSocket client lives at `certstream-ts/client`.
 */
export { Ingest, type IngestOptions, type LogStatus } from './ingest/ingest.js';
export type { CertEvent, ChainCert, UpdateType } from './ingest/event.js';
export { loadLogList, selectLogs, LogListError, type LogDescriptor } from './ct/log-list.js';
export { DEFAULT_LOG_LIST_URL } from './config/defaults.js';
export { StreamServer, type ServerOptions } from './server/server.js';
export { startSimulator, type Simulator, type SimulatorOptions } from './sim/simulator.js';
export { parseCertificate, CertParseError, CertCache, readPemCertificates, type CertStreamCert } from './x509/index.js';
export { FilterMatcher, InvalidFilterError, type FilterSpec } from './router/filter-matcher.js';
