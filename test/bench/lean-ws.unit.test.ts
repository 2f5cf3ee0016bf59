import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { connectLean, FrameReader, scanSeqAndSeen } from '../../bench/load/lean-ws.js';
import { waitFor } from '../support/wait.js';

/** A server frame (unmasked) with the given FIN bit, opcode and payload, in the shortest length form. */
function serverFrame(fin: boolean, opcode: number, payload: Buffer): Buffer {
  const b0 = (fin ? 0x80 : 0) | opcode;
  if (payload.length <= 125) return Buffer.concat([Buffer.of(b0, payload.length), payload]);
  if (payload.length <= 0xffff) return Buffer.concat([Buffer.of(b0, 126, payload.length >> 8, payload.length & 0xff), payload]);
  const header = Buffer.alloc(10);
  header[0] = b0;
  header[1] = 127;
  header.writeUInt32BE(Math.floor(payload.length / 2 ** 32), 2);
  header.writeUInt32BE(payload.length >>> 0, 6);
  return Buffer.concat([header, payload]);
}

function collect(): { reader: FrameReader; messages: string[]; pings: string[]; closes: number[] } {
  const messages: string[] = [];
  const pings: string[] = [];
  const closes: number[] = [];
  const reader = new FrameReader({ message: (p) => messages.push(p.toString()), ping: (p) => pings.push(p.toString()), close: (c) => closes.push(c) });
  return { reader, messages, pings, closes };
}

describe('lean WebSocket client', () => {
  it('reads 7-, 16- and 64-bit lengths, fragments with a ping between them, and close, however the bytes are split', () => {
    const big = 'x'.repeat(70_000);
    const closeBody = Buffer.of(0x0f, 0xa8); // 4008
    const stream = Buffer.concat([
      serverFrame(true, 1, Buffer.from('short')),
      serverFrame(true, 1, Buffer.from('m'.repeat(300))),
      serverFrame(true, 1, Buffer.from(big)),
      serverFrame(false, 1, Buffer.from('frag-')),
      serverFrame(true, 9, Buffer.from('are you there')),
      serverFrame(false, 0, Buffer.from('ment')),
      serverFrame(true, 0, Buffer.from('ed')),
      serverFrame(true, 8, closeBody),
    ]);
    for (const step of [1, 3, 1000, stream.length]) {
      const { reader, messages, pings, closes } = collect();
      for (let i = 0; i < stream.length; i += step) reader.push(stream.subarray(i, i + step));
      assert.deepEqual(messages, ['short', 'm'.repeat(300), big, 'frag-mented'], `split every ${step} bytes`);
      assert.deepEqual(pings, ['are you there']);
      assert.deepEqual(closes, [4008]);
    }
  });

  it('finds seq and seen at the end of certificate messages and ignores other messages', () => {
    const lite = '{"message_type":"certificate_update","data":{"leaf_cert":{"all_domains":["a.seq.example"]},"seen":1764050000.123,"source":{"url":"u","name":"n"},"seq":42}}';
    assert.deepEqual(scanSeqAndSeen(Buffer.from(lite)), { seq: 42, seen: 1764050000.123 });
    const domains = '{"message_type":"dns_entries","data":["x.example"],"seq":7}';
    assert.deepEqual(scanSeqAndSeen(Buffer.from(domains)), { seq: 7, seen: undefined });
    // The baseline's JSON.stringify of the event puts seq first.
    const baseline = JSON.stringify({ message_type: 'certificate_update', data: { seq: 9, leaf_cert: { all_domains: ['"seq":1'] }, seen: 12.5 } });
    assert.deepEqual(scanSeqAndSeen(Buffer.from(baseline)), { seq: 9, seen: 12.5 });
    assert.equal(scanSeqAndSeen(Buffer.from('{"message_type":"heartbeat","timestamp":1}')).seq, undefined);
    assert.equal(scanSeqAndSeen(Buffer.from('{"message_type":"subscribed","id":"a","epoch":"e","seq":5}')).seq, undefined);
  });

  it('does the handshake, receives messages, answers a ping with a pong and reports the close code', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const pong = new Promise<string>((resolve) =>
      server.on('connection', (ws, req) => {
        assert.equal(req.url, '/domains-only?keywords=a');
        ws.on('pong', (data: Buffer) => resolve(data.toString()));
        ws.on('message', (data: Buffer) => ws.send(`echo ${data.toString()}`));
        ws.send('x'.repeat(200));
        ws.ping('p1');
      }),
    );
    const messages: string[] = [];
    let closeCode = 0;
    const closed = new Promise<void>((resolve) => {
      void connectLean('127.0.0.1', port, '/domains-only?keywords=a', (p) => messages.push(p.toString()), (code) => {
        closeCode = code;
        resolve();
      }).then((socket) => socket?.send('hello'));
    });
    assert.equal(await pong, 'p1');
    await waitFor('the payload and the echo', () => messages.length >= 2);
    assert.deepEqual(messages, ['x'.repeat(200), 'echo hello']);
    for (const ws of server.clients) ws.close(4008, 'backpressure');
    await closed;
    assert.equal(closeCode, 4008);
    server.close();
  });
});
