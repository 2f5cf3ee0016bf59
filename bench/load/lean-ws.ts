/**
 * A lean WebSocket client for the load bench: a raw `node:net` socket, the opening handshake by
 * hand and a minimal frame reader, so that one core can take hundreds of thousands of messages per
 * second (the `ws` package with JSON.parse per message takes a few tens of thousands). Enough of
 * RFC 6455 for a server's stream: unmasked server frames with 7/16/64-bit lengths, fragmented
 * messages, ping (answered with a masked pong) and close. No extensions (no permessage-deflate).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

export interface FrameHandlers {
  /** A whole text or binary message (fragments joined). The buffer may be a view of a socket chunk: use it now. */
  message: (payload: Buffer) => void;
  ping: (payload: Buffer) => void;
  /** The close code (1005 when the frame has none). */
  close: (code: number) => void;
}

/** Splits a byte stream into WebSocket frames. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before the next frame can be parsed (so a large frame is not re-joined per chunk). */
  private needed = 2;
  private fragments: Buffer[] = [];

  constructor(private readonly handlers: FrameHandlers) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return;
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    let off = 0;
    this.needed = 2;
    while (buf.length - off >= 2) {
      const b0 = buf[off]!;
      const b1 = buf[off + 1]!;
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        header = 4;
        if (buf.length - off < header) break;
        length = buf.readUInt16BE(off + 2);
      } else if (length === 127) {
        header = 10;
        if (buf.length - off < header) break;
        length = buf.readUInt32BE(off + 2) * 2 ** 32 + buf.readUInt32BE(off + 6);
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) header += 4;
      if (buf.length - off < header + length) {
        this.needed = header + length;
        break;
      }
      const payload = buf.subarray(off + header, off + header + length);
      if (masked) unmask(payload, buf.subarray(off + header - 4, off + header));
      off += header + length;
      this.frame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
    const rest = buf.length - off;
    this.chunks = rest === 0 ? [] : [buf.subarray(off)];
    this.buffered = rest;
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= OP_CLOSE) {
      // Control frames may come between the fragments of a message.
      if (opcode === OP_PING) this.handlers.ping(payload);
      else if (opcode === OP_CLOSE) this.handlers.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
      return;
    }
    if (!fin) {
      // The fragments may be views of a chunk that is about to be reused: copy them.
      this.fragments.push(Buffer.from(payload));
      return;
    }
    if (opcode === OP_CONTINUATION) {
      this.fragments.push(payload);
      const whole = Buffer.concat(this.fragments);
      this.fragments = [];
      this.handlers.message(whole);
    } else {
      this.handlers.message(payload);
    }
  }
}

function unmask(payload: Buffer, mask: Buffer): void {
  for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
}

/** A client frame (clients must mask), FIN set, with a 7-, 16- or 64-bit length. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload);
  unmask(masked, mask);
  let length: Buffer;
  if (payload.length <= 125) length = Buffer.of(0x80 | payload.length);
  else if (payload.length <= 0xffff) length = Buffer.of(0x80 | 126, payload.length >> 8, payload.length & 0xff);
  else {
    length = Buffer.alloc(9);
    length[0] = 0x80 | 127;
    length.writeBigUInt64BE(BigInt(payload.length), 1);
  }
  return Buffer.concat([Buffer.of(0x80 | opcode), length, mask, masked]);
}

export interface LeanSocket {
  socket: Socket;
  /** Sends a text message. */
  send: (text: string) => void;
  /** Sends a close frame with this code and ends the socket. */
  close: (code: number) => void;
}

/**
 * Connects to ws://host:port + path; resolves with the socket once the server accepted the upgrade,
 * null when the connection or handshake failed. `onClose` gets the server's close code, or 1006 when
 * the connection dropped without a close frame.
 */
export function connectLean(
  host: string,
  port: number,
  path: string,
  onMessage: (payload: Buffer) => void,
  onClose: (code: number) => void,
  /** Source address, e.g. 127.0.0.2 to count as another client IP on loopback. */
  localAddress?: string,
): Promise<LeanSocket | null> {
  return new Promise((resolve) => {
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    const socket = connect({ host, port, noDelay: true, ...(localAddress === undefined ? {} : { localAddress }) });
    let closeCode: number | null = null;
    let head: Buffer | null = Buffer.alloc(0);
    const lean: LeanSocket = {
      socket,
      send: (text) => void socket.write(clientFrame(0x1, Buffer.from(text))),
      close: (code) => {
        const body = Buffer.alloc(2);
        body.writeUInt16BE(code);
        if (socket.writable) socket.end(clientFrame(OP_CLOSE, body));
      },
    };
    const reader = new FrameReader({
      message: onMessage,
      ping: (payload) => void socket.write(clientFrame(0xa, payload)),
      close: (code) => {
        closeCode ??= code;
        if (socket.writable) socket.end(clientFrame(OP_CLOSE, Buffer.alloc(0)));
      },
    });
    socket.on('data', (chunk: Buffer) => {
      if (head === null) return reader.push(chunk);
      // Still in the handshake: wait for the end of the response headers.
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const response = head.subarray(0, end).toString('latin1');
      const rest = head.subarray(end + 4);
      head = null;
      if (!response.startsWith('HTTP/1.1 101') || !new RegExp(`^sec-websocket-accept: *${escapeRegex(accept)}\\s*$`, 'im').test(response)) {
        socket.destroy();
        return resolve(null);
      }
      resolve(lean);
      if (rest.length > 0) reader.push(rest);
    });
    socket.once('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('error', () => undefined); // 'close' follows
    socket.once('close', () => {
      if (head !== null) return resolve(null);
      onClose(closeCode ?? 1006);
    });
  });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const SEQ_KEY = Buffer.from('"seq":');
const SEEN_KEY = Buffer.from('"seen":');

/** The non-negative number written at `at` (digits, a fraction), or undefined. */
function numberAt(payload: Buffer, at: number): number | undefined {
  let end = at;
  while (end < payload.length) {
    const c = payload[end]!;
    if ((c < 0x30 || c > 0x39) && c !== 0x2e && c !== 0x65 && c !== 0x2b && c !== 0x2d) break; // digits . e + -
    end++;
  }
  if (end === at) return undefined;
  const n = Number(payload.toString('latin1', at, end));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * seq and seen of a certificate message, found by scanning from the end (ours writes them last; the
 * baseline's JSON.stringify of the event puts them near the end too), which is safe because
 * `"seq":` cannot occur inside a JSON string, whose quotes are escaped. Undefined seq for other
 * messages (heartbeats, replies).
 */
export function scanSeqAndSeen(payload: Buffer): { seq: number | undefined; seen: number | undefined } {
  // `{"message_type":"` is 17 bytes: c(ertificate_update) or d(ns_entries) follows.
  const kind = payload[17];
  if (kind !== 0x63 && kind !== 0x64) return { seq: undefined, seen: undefined };
  const seqAt = payload.lastIndexOf(SEQ_KEY);
  if (seqAt < 0) return { seq: undefined, seen: undefined };
  const seq = numberAt(payload, seqAt + SEQ_KEY.length);
  if (kind === 0x64) return { seq, seen: undefined };
  const seenAt = payload.lastIndexOf(SEEN_KEY);
  return { seq, seen: seenAt < 0 ? undefined : numberAt(payload, seenAt + SEEN_KEY.length) };
}

const CERT_INDEX_KEY = Buffer.from('"cert_index":');
const SOURCE_KEY = Buffer.from('"source":{');
const URL_KEY = Buffer.from('"url":"');
const MESSAGE_TYPE_KEY = Buffer.from('"message_type":"');

/**
 * The log and index of a certificate_update (`data.source.url`, `data.cert_index`), found by
 * scanning (a key with its quotes cannot occur inside a JSON string); undefined for other messages.
 */
export function scanPosition(payload: Buffer): { log: string; index: number } | undefined {
  const indexAt = payload.indexOf(CERT_INDEX_KEY);
  const sourceAt = payload.indexOf(SOURCE_KEY);
  if (indexAt < 0 || sourceAt < 0) return undefined;
  const urlAt = payload.indexOf(URL_KEY, sourceAt);
  const index = numberAt(payload, indexAt + CERT_INDEX_KEY.length);
  if (urlAt < 0 || index === undefined) return undefined;
  const start = urlAt + URL_KEY.length;
  return { log: payload.toString('utf8', start, payload.indexOf(0x22, start)), index };
}

/**
 * certstream-server-go's messages carry no seq and put `message_type` last: whether this one is a
 * certificate (certificate_update or dns_entries), and its `seen` (absent from dns_entries).
 */
export function scanSeqlessMessage(payload: Buffer): { certificate: boolean; seen: number | undefined } {
  const typeAt = payload.lastIndexOf(MESSAGE_TYPE_KEY);
  const kind = typeAt < 0 ? undefined : payload[typeAt + MESSAGE_TYPE_KEY.length];
  if (kind !== 0x63 && kind !== 0x64) return { certificate: false, seen: undefined };
  const seenAt = kind === 0x63 ? payload.lastIndexOf(SEEN_KEY) : -1;
  return { certificate: true, seen: seenAt < 0 ? undefined : numberAt(payload, seenAt + SEEN_KEY.length) };
}
