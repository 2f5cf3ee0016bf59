/** A recording client of the SSE and NDJSON streams, on a raw node:http request (as curl would be). */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface StreamEvent {
  /** The SSE `id:` (undefined for NDJSON and id-less events). */
  id?: string;
  /** The parsed JSON message; null for an SSE comment-only or id-only block. */
  message: Record<string, unknown> | null;
  /** SSE comment lines (without the colon). */
  comments: string[];
}

export interface StreamClient {
  status: number;
  headers: IncomingMessage['headers'];
  events: StreamEvent[];
  /** Messages only, in order. */
  messages(type?: string): Record<string, unknown>[];
  ended: boolean;
  response: IncomingMessage;
  close(): void;
}

export function parseSseBlock(block: string): StreamEvent {
  const event: StreamEvent = { message: null, comments: [] };
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) event.comments.push(line.slice(1).trim());
    else if (line.startsWith('id: ')) event.id = line.slice(4);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length > 0) event.message = JSON.parse(data.join('\n')) as Record<string, unknown>;
  return event;
}

export function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    req = request(url, { headers }, (res) => {
      const sse = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
      let buffer = '';
      const client: StreamClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events: [],
        ended: false,
        response: res,
        messages: (type) =>
          client.events.flatMap((e) => (e.message && (type === undefined || e.message.message_type === type) ? [e.message] : [])),
        close: () => req?.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        // A refusal is one JSON body, parsed at the end.
        if (client.status !== 200) return;
        const separator = sse ? '\n\n' : '\n';
        let at: number;
        while ((at = buffer.indexOf(separator)) >= 0) {
          const part = buffer.slice(0, at);
          buffer = buffer.slice(at + separator.length);
          client.events.push(sse ? parseSseBlock(part) : { message: JSON.parse(part) as Record<string, unknown>, comments: [] });
        }
      });
      res.on('end', () => {
        if (client.status !== 200 && buffer !== '') client.events.push({ message: JSON.parse(buffer) as Record<string, unknown>, comments: [] });
        client.ended = true;
      });
      res.on('error', () => (client.ended = true));
      resolve(client);
    });
    req.on('error', reject);
    req.end();
  });
}
