/**
 * The app of the transport (native uWS or its fallback), plain or TLS (https and wss on the same
 * port). The files are read here first so a missing or unreadable one is a clear error at start,
 * not uWS's bare "construction failed".
 */
import { accessSync, constants } from 'node:fs';
import type { TemplatedApp } from 'uWebSockets.js';
import { fileProblem } from '../util/files.js';
import type { Transport } from './transport/index.js';

export interface TlsFiles {
  /** PEM certificate chain (the server's certificate first). */
  certFile: string;
  /** PEM private key of that certificate. */
  keyFile: string;
}

/** The TLS files are unusable: a configuration error, reported without a stack. */
export class TlsSetupError extends Error {}

export function createApp(transport: Transport, tls: TlsFiles | undefined): TemplatedApp {
  if (!tls) return transport.App();
  for (const [what, file] of [['--tls-cert', tls.certFile], ['--tls-key', tls.keyFile]] as const) {
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new TlsSetupError(`${what} ${file}: ${fileProblem(err)}`);
    }
  }
  try {
    return transport.SSLApp({ cert_file_name: tls.certFile, key_file_name: tls.keyFile });
  } catch (err) {
    throw new TlsSetupError(`TLS could not start with ${tls.certFile} and ${tls.keyFile} (not a PEM certificate and its key?): ${(err as Error).message}`);
  }
}
