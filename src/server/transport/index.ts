/**
 * The server's transport: the native uWebSockets.js addon where its binary loads (Node 20), else a
 * slower `ws` + node:http implementation of the same API subset (./fallback/), announced once on
 * stderr when a server first listens on it (announceTransport). CERTSTREAM_TRANSPORT=uws|ws forces
 * one (uws fails when the addon cannot load). Loaded when the first server is built, so that
 * `--help` and config checks never load either.
 */
import type { AppOptions, CompressOptions, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { loadNativeUws } from './native.js';
import { createFallbackTransport } from './fallback/app.js';

export type TransportName = 'uws' | 'ws';

/** The environment variable that forces a transport. */
export const TRANSPORT_ENV = 'CERTSTREAM_TRANSPORT';

/** The part of the uWebSockets.js module the server uses, with the name of what implements it. */
export interface Transport {
  readonly name: TransportName;
  App(): TemplatedApp;
  SSLApp(options: AppOptions): TemplatedApp;
  us_listen_socket_close(socket: us_listen_socket): void;
  us_socket_local_port(socket: us_listen_socket): number;
  readonly DISABLED: CompressOptions;
  /** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT: listen without SO_REUSEPORT. */
  readonly LIBUS_LISTEN_EXCLUSIVE_PORT: number;
}

/** CERTSTREAM_TRANSPORT has a value we do not know, or forces a transport that cannot load. */
export class TransportError extends Error {}

function nativeTransport(): Transport {
  const uws = loadNativeUws();
  return {
    name: 'uws',
    App: () => uws.App(),
    SSLApp: (options) => uws.SSLApp(options),
    us_listen_socket_close: (socket) => uws.us_listen_socket_close(socket),
    us_socket_local_port: (socket) => uws.us_socket_local_port(socket),
    DISABLED: uws.DISABLED,
    // Exported natively, missing from the typings.
    LIBUS_LISTEN_EXCLUSIVE_PORT: (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT,
  };
}

/** The loud line(s) a fallback start prints: what runs, what it costs, how to get the fast path. */
export function fallbackWarning(why: string): string {
  return (
    `WARNING: certstream-ts is serving through the ws fallback transport (${why}); throughput is lower and memory per client higher.\n` +
    `WARNING: for the native uWebSockets.js transport run Node 20 (ABI 115), the only Node its binary is built for.\n`
  );
}

/** How the transports are built and the warning told (real ones in loadTransport; tests pass their own). */
export interface TransportSources {
  native(): Transport;
  fallback(): Transport;
  warn(text: string): void;
}

/**
 * The transport for CERTSTREAM_TRANSPORT's value `choice`: unset or empty picks the native addon
 * when it loads, else the fallback (warned); `ws` forces the fallback (warned), `uws` the addon.
 */
export function chooseTransport(choice: string, sources: TransportSources): Transport {
  const forced = choice.trim().toLowerCase();
  if (forced !== '' && forced !== 'uws' && forced !== 'ws') {
    throw new TransportError(`${TRANSPORT_ENV}=${choice} is not a transport: use uws (native uWebSockets.js) or ws (the fallback), or leave it unset`);
  }
  if (forced === 'ws') {
    sources.warn(fallbackWarning(`${TRANSPORT_ENV}=ws`));
    return sources.fallback();
  }
  try {
    return sources.native();
  } catch (err) {
    if (forced === 'uws') throw new TransportError(`${TRANSPORT_ENV}=uws, but ${(err as Error).message}`);
    sources.warn(fallbackWarning(`no uWebSockets.js binary for Node ${process.version}, ABI ${process.versions.modules}`));
    return sources.fallback();
  }
}

let loaded: Transport | undefined;
/** The fallback warning, until a server listens: a start that fails (log list, cursor file, port) stays one line. */
let untold: string | undefined;

/** The transport of this process, chosen once from CERTSTREAM_TRANSPORT (see chooseTransport). */
export function loadTransport(): Transport {
  loaded ??= chooseTransport(process.env[TRANSPORT_ENV] ?? '', {
    native: nativeTransport,
    fallback: createFallbackTransport,
    warn: (text) => void (untold = text),
  });
  return loaded;
}

/** Prints the fallback warning on stderr, once per process; a server calls it once it listens. */
export function announceTransport(): void {
  if (untold !== undefined) process.stderr.write(untold);
  untold = undefined;
}
