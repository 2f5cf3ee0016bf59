/** Errors the client rejects with. */
import type { ErrorCode } from '../protocol/server-messages.js';

export { ConnectError } from './transport.js';

/** The server refused a client message. */
export class ServerError extends Error {
  constructor(
    /** One of the protocol's codes; a later server may send codes this version does not know. */
    readonly code: ErrorCode | (string & {}),
    message: string,
    readonly id?: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** The client was closed (close(), or the connection lost with reconnect: false). */
export class ClientClosedError extends Error {
  constructor(message = 'the client is closed') {
    super(message);
    this.name = 'ClientClosedError';
  }
}

/** The connection was lost before the answer came. */
export class ConnectionLostError extends Error {
  constructor(message = 'the connection was lost') {
    super(message);
    this.name = 'ConnectionLostError';
  }
}
