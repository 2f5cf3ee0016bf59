/**
 * uWS's HttpRequest and HttpResponse over node:http. The request stays readable after the handler
 * returns (uWS's does not; the server never relies on either). Node buffers whatever the socket does
 * not take, so tryEnd always completes; write() returns false once node's buffer is full, and
 * onWritable runs on the next 'drain', which is what the SSE/NDJSON streams' own queues go by.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRequest, HttpResponse, RecognizedString } from 'uWebSockets.js';
import { remoteAddressText, toArrayBuffer, toBuffer, toText } from './bytes.js';

type RequestPart = Pick<HttpRequest, 'getHeader' | 'getUrl' | 'getMethod' | 'getQuery' | 'forEach' | 'setYield'>;

export class FallbackRequest implements RequestPart {
  /** Set by a handler that passes the request on to the next matching route. */
  yielded = false;
  readonly path: string;
  private readonly query: string;

  constructor(readonly incoming: IncomingMessage) {
    const url = incoming.url ?? '/';
    const mark = url.indexOf('?');
    this.path = mark < 0 ? url : url.slice(0, mark);
    this.query = mark < 0 ? '' : url.slice(mark + 1);
  }

  /** The first value of a header, '' when absent (as uWS). */
  getHeader(lowerCaseKey: RecognizedString): string {
    const value = this.incoming.headers[toText(lowerCaseKey)];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  }

  getUrl(): string {
    return this.path;
  }

  /** Lower case, as uWS v20 gives it. */
  getMethod(): string {
    return (this.incoming.method ?? '').toLowerCase();
  }

  getQuery(): string;
  getQuery(key: string): string;
  getQuery(key?: string): string {
    if (key === undefined) return this.query;
    return new URLSearchParams(this.query).get(key) ?? '';
  }

  /** Every header line, names in lower case, repeated names once per line. */
  forEach(cb: (key: string, value: string) => void): void {
    const raw = this.incoming.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) cb(raw[i]!.toLowerCase(), raw[i + 1]!);
  }

  setYield(yieldToNext: boolean): HttpRequest {
    this.yielded = yieldToNext;
    return this as unknown as HttpRequest;
  }
}

type ResponsePart = Pick<
  HttpResponse,
  | 'cork' | 'writeStatus' | 'writeHeader' | 'write' | 'end' | 'endWithoutBody' | 'tryEnd' | 'getWriteOffset'
  | 'onWritable' | 'onAborted' | 'onData' | 'close' | 'upgrade' | 'getRemoteAddressAsText'
>;

/** Completes a WebSocket handshake with the given user data (only for upgrade requests). */
export type Upgrader = (userData: unknown) => void;

export class FallbackResponse implements ResponsePart {
  private status = '200 OK';
  /** end/endWithoutBody/upgrade was called: the client going away is no longer an abort. */
  private done = false;
  private offset = 0;
  private abortHandler: (() => void) | undefined;
  private writableHandler: ((offset: number) => boolean) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly upgrader: Upgrader | null = null,
  ) {
    res.on('close', () => {
      if (this.done) return;
      this.done = true;
      this.abortHandler?.();
    });
    res.on('drain', () => {
      if (!this.done) this.writableHandler?.(this.offset);
    });
  }

  private get self(): HttpResponse {
    return this as unknown as HttpResponse;
  }

  cork(cb: () => void): HttpResponse {
    cb();
    return this.self;
  }

  writeStatus(status: RecognizedString): HttpResponse {
    this.status = toText(status);
    return this.self;
  }

  writeHeader(key: RecognizedString, value: RecognizedString): HttpResponse {
    if (!this.res.headersSent) this.res.appendHeader(toText(key), toText(value));
    return this.self;
  }

  /** The status line goes out with the first write (node sends the head then). */
  private applyStatus(): void {
    if (this.res.headersSent) return;
    const space = this.status.indexOf(' ');
    this.res.statusCode = Number(space < 0 ? this.status : this.status.slice(0, space));
    if (space >= 0) this.res.statusMessage = this.status.slice(space + 1);
  }

  write(chunk: RecognizedString): boolean {
    if (this.done) return false;
    this.applyStatus();
    const data = toBuffer(chunk);
    this.offset += data.length;
    return this.res.write(data);
  }

  end(body?: RecognizedString, closeConnection?: boolean): HttpResponse {
    if (this.done) return this.self;
    this.finishHead(closeConnection);
    this.done = true;
    if (body === undefined) this.res.end();
    else this.res.end(toBuffer(body));
    return this.self;
  }

  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): HttpResponse {
    if (this.done) return this.self;
    this.finishHead(closeConnection);
    if (reportedContentLength !== undefined && !this.res.headersSent) this.res.setHeader('content-length', reportedContentLength);
    this.done = true;
    this.res.end();
    return this.self;
  }

  private finishHead(closeConnection: boolean | undefined): void {
    this.applyStatus();
    if (closeConnection && !this.res.headersSent) this.res.setHeader('connection', 'close');
  }

  /** Node takes the whole chunk (buffering what the socket refuses), so this never stops part way. */
  tryEnd(fullBodyOrChunk: RecognizedString, totalSize: number): [boolean, boolean] {
    if (this.done) return [false, true];
    this.applyStatus();
    if (!this.res.headersSent && !this.res.hasHeader('content-length')) this.res.setHeader('content-length', totalSize);
    const data = toBuffer(fullBodyOrChunk);
    this.offset += data.length;
    if (this.offset < totalSize) return [this.res.write(data), false];
    this.done = true;
    this.res.end(data);
    return [true, true];
  }

  getWriteOffset(): number {
    return this.offset;
  }

  onWritable(handler: (offset: number) => boolean): HttpResponse {
    this.writableHandler = handler;
    return this.self;
  }

  onAborted(handler: () => void): HttpResponse {
    this.abortHandler = handler;
    return this.self;
  }

  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): HttpResponse {
    const incoming = this.res.req;
    incoming.on('data', (chunk: Buffer) => handler(toArrayBuffer(chunk), false));
    incoming.on('end', () => handler(new ArrayBuffer(0), true));
    return this.self;
  }

  /** Drops the connection at once; onAborted runs unless the response had ended (as in uWS). */
  close(): HttpResponse {
    this.res.socket?.destroy();
    return this.self;
  }

  upgrade<UserData>(userData: UserData): void {
    if (!this.upgrader) throw new Error('upgrade() outside a WebSocket upgrade handler');
    this.done = true;
    this.upgrader(userData);
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return remoteAddressText(this.res.req.socket.remoteAddress);
  }
}
