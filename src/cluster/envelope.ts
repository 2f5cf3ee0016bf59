/**
 * The message an ingester publishes for each event: the domains (for filters) and the lite and full
 * certificate_update bodies, built once by the ingester so that edges only route. The seq is not in
 * it: it is the stream sequence, known when an edge receives the message.
 *
 * Layout: a version byte, then three sections each a u32 big-endian byte length and UTF-8 text:
 * the domains as a JSON array, the lite body, the full body.
 */
import type { CertEvent } from '../ingest/event.js';
import type { Channel } from '../protocol/channels.js';
import type { RoutedEvent } from '../router/routed-event.js';
import { certificateUpdateBody, domainsMessage, withSeq } from '../server/messages.js';

const VERSION = 1;

export class EnvelopeError extends Error {}

export function encodeEnvelope(event: CertEvent): Uint8Array {
  const sections = [JSON.stringify(event.leaf_cert.all_domains), certificateUpdateBody(event, 'lite'), certificateUpdateBody(event, 'full')].map(
    (text) => Buffer.from(text, 'utf8'),
  );
  const out = Buffer.allocUnsafe(1 + sections.reduce((n, s) => n + 4 + s.length, 0));
  out[0] = VERSION;
  let at = 1;
  for (const section of sections) {
    out.writeUInt32BE(section.length, at);
    section.copy(out, at + 4);
    at += 4 + section.length;
  }
  return out;
}

/** An event received from the stream; its messages are its bodies closed with its stream seq. */
export class EnvelopeEvent implements RoutedEvent {
  constructor(
    readonly seq: number,
    readonly domains: readonly string[],
    private readonly liteBody: string,
    private readonly fullBody: string,
  ) {}

  message(channel: Channel): string {
    switch (channel) {
      case 'lite':
        return withSeq(this.liteBody, this.seq);
      case 'full':
        return withSeq(this.fullBody, this.seq);
      case 'domains-only':
        return domainsMessage(this.domains, this.seq);
    }
  }
}

/** Throws EnvelopeError for anything that is not a well-formed envelope. */
export function decodeEnvelope(data: Uint8Array, seq: number): EnvelopeEvent {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 1 || buf[0] !== VERSION) throw new EnvelopeError(`unknown envelope version ${buf[0] ?? 'none'}`);
  const sections: string[] = [];
  let at = 1;
  for (let i = 0; i < 3; i++) {
    if (at + 4 > buf.length) throw new EnvelopeError('truncated envelope');
    const length = buf.readUInt32BE(at);
    if (at + 4 + length > buf.length) throw new EnvelopeError('truncated envelope');
    sections.push(buf.toString('utf8', at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== buf.length) throw new EnvelopeError('trailing bytes after envelope');
  const [domainsJson, lite, full] = sections as [string, string, string];
  let domains: unknown;
  try {
    domains = JSON.parse(domainsJson);
  } catch {
    throw new EnvelopeError('domains are not JSON');
  }
  if (!Array.isArray(domains) || !domains.every((d) => typeof d === 'string')) throw new EnvelopeError('domains are not a list of strings');
  if (!lite.startsWith('{') || !full.startsWith('{')) throw new EnvelopeError('bodies are not JSON objects');
  return new EnvelopeEvent(seq, domains, lite, full);
}
