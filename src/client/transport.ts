/**
 * The WebSocket underneath the client, behind one small interface so the client runs unchanged on
 * Node and in browsers. On Node it is the `ws` package, loaded with a dynamic import only there
 * (browsers never load it; bundlers resolve `ws` to its tiny browser stub), because only `ws` can
 * pause reading, which backpressure needs. Elsewhere it is the global WebSocket, which cannot.
 */
import type { RawData, WebSocket as WsSocket } from 'ws';

export interface CloseInfo {
  /** WebSocket close code; 1006 when the connection dropped without a close frame. */
  code: number;
  reason: string;
  /** The transport error that ended the connection, if any. */
  error?: Error;
}

export interface TransportHandlers {
  message(text: string): void;
  /** Called once, when an open transport is closed for any reason. */
  close(info: CloseInfo): void;
}

export interface Transport {
  /** Whether pause() really stops reading (true with `ws`; false for a browser WebSocket). */
  readonly canPause: boolean;
  send(text: string): void;
  /** Stops reading from the socket; messages already received may still arrive. */
  pause(): void;
  resume(): void;
  /** Closing handshake. */
  close(code?: number, reason?: string): void;
  /** Drops the connection at once, for a peer that stopped answering. */
  terminate(): void;
}

/** The part of the standard (browser) WebSocket API the client uses. */
export interface StandardWebSocket {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type StandardWebSocketConstructor = new (url: string) => StandardWebSocket;

export interface OpenOptions {
  /** How long the opening handshake may take. */
  timeoutMs: number;
  /** Use this WebSocket class instead of choosing one. */
  WebSocket?: StandardWebSocketConstructor;
}

/** Raised when a connection cannot be opened. */
export class ConnectError extends Error {
  constructor(
    readonly url: string,
    /** Why, without the URL: "connect ECONNREFUSED 127.0.0.1:8080". */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot connect to ${url}: ${detail}`, options);
    this.name = 'ConnectError';
  }
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Opens a connection; resolves once it is open, rejects with ConnectError when it cannot be. */
export async function openTransport(url: string, handlers: TransportHandlers, options: OpenOptions): Promise<Transport> {
  if (options.WebSocket) return openStandard(options.WebSocket, url, handlers, options.timeoutMs);
  if (isNode) {
    const ws = await loadWs();
    if (ws) return openWs(ws, url, handlers, options.timeoutMs);
  }
  const native = (globalThis as { WebSocket?: StandardWebSocketConstructor }).WebSocket;
  if (!native) throw new ConnectError(url, 'no WebSocket implementation: install the ws package');
  return openStandard(native, url, handlers, options.timeoutMs);
}

type WsConstructor = typeof WsSocket;

/** `ws`, or null where it is not installed (then a global WebSocket, if any, is used). */
async function loadWs(): Promise<WsConstructor | null> {
  try {
    const { WebSocket } = await import('ws');
    // A bundle for browsers resolves `ws` to a stub without it.
    return typeof WebSocket === 'function' ? WebSocket : null;
  } catch {
    return null;
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}

function openWs(WebSocket: WsConstructor, url: string, handlers: TransportHandlers, timeoutMs: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    let socket: WsSocket;
    try {
      // The server never compresses, so there is nothing to negotiate.
      socket = new WebSocket(url, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
    } catch (err) {
      reject(new ConnectError(url, describeError(err), { cause: err }));
      return;
    }
    let opened = false;
    let lastError: Error | undefined;
    socket.on('error', (err: Error) => {
      lastError = err;
      if (!opened) reject(new ConnectError(url, describeError(err), { cause: err }));
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (!opened) {
        reject(new ConnectError(url, lastError ? describeError(lastError) : `closed with code ${code}`));
        return;
      }
      const info: CloseInfo = { code, reason: reason.toString('utf8') };
      if (lastError) info.error = lastError;
      handlers.close(info);
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      // The protocol is text only; the default binaryType delivers a Buffer.
      if (!isBinary) handlers.message((data as Buffer).toString('utf8'));
    });
    socket.once('open', () => {
      opened = true;
      resolve({
        canPause: true,
        send: (text) => socket.send(text),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        close: (code, reason) => socket.close(code, reason),
        terminate: () => socket.terminate(),
      });
    });
  });
}

function openStandard(
  WebSocket: StandardWebSocketConstructor,
  url: string,
  handlers: TransportHandlers,
  timeoutMs: number,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    let socket: StandardWebSocket;
    try {
      socket = new WebSocket(url);
    } catch (err) {
      reject(new ConnectError(url, describeError(err), { cause: err }));
      return;
    }
    let opened = false;
    let closed = false;
    const timer = setTimeout(() => {
      reject(new ConnectError(url, `no answer within ${timeoutMs} ms`));
      socket.close();
    }, timeoutMs);
    const finish = (info: CloseInfo): void => {
      if (closed) return;
      closed = true;
      handlers.close(info);
    };
    // Browsers hide why a connection failed (on purpose); the close event follows with 1006.
    socket.onerror = () => {
      if (!opened) {
        clearTimeout(timer);
        reject(new ConnectError(url, 'the connection failed'));
      }
    };
    socket.onclose = (event) => {
      clearTimeout(timer);
      if (!opened) reject(new ConnectError(url, `closed with code ${event.code}`));
      else finish({ code: event.code, reason: event.reason });
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') handlers.message(event.data);
    };
    socket.onopen = () => {
      clearTimeout(timer);
      opened = true;
      resolve({
        canPause: false,
        send: (text) => socket.send(text),
        pause: () => undefined,
        resume: () => undefined,
        close: (code, reason) => socket.close(code, reason),
        // A browser WebSocket cannot be dropped at once: report it closed now and let the closing
        // handshake finish (or time out) in the background.
        terminate: () => {
          socket.close();
          finish({ code: 1006, reason: 'terminated' });
        },
      });
    };
  });
}
