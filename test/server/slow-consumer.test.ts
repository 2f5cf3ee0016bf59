/**
 * A client that stops reading is closed once its buffered data passes maxBackpressure (counted in
 * /metrics), while a normal client on the same stream gets every message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../../src/protocol/server-messages.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { connectRecording } from '../support/ws-client.js';

describe('slow consumers', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ seed: 'slow' }, { maxBackpressure: 1024 * 1024 });
  });

  after(async () => {
    await stack.close();
  });

  it('closes a client that never reads, and nobody else notices', async () => {
    const healthy = await connectRecording(`ws://${stack.base}/full-stream`);
    const slow = new WebSocket(`ws://${stack.base}/full-stream`);
    await new Promise((resolve) => slow.once('open', resolve));
    // Stop reading from the socket: the server's send buffer for it fills up.
    const raw = (slow as unknown as { _socket: Socket })._socket;
    raw.pause();
    let closeCode = 0;
    slow.on('close', (code) => (closeCode = code));
    try {
      // ~4 KB per full message: 1,000 entries (~4 MB) is far beyond 1 MiB plus the kernel's buffers,
      // and below the 8 MiB hard backstop.
      stack.sim.append(500);
      await waitFor('the healthy client to get everything', () =>
        healthy.messages.filter((m) => (m as { message_type: string }).message_type === 'certificate_update').length === 1000,
        30_000,
      );
      const metrics = async (): Promise<string> => (await fetch(`http://${stack.base}/metrics`)).text();
      await waitForAsync('the backpressure close in /metrics', async () => /certstream_backpressure_closes_total 1\b/.test(await metrics()), 10_000);
      // Once it reads again, the client sees the documented close code after the buffered data.
      raw.resume();
      await waitFor('the slow client to see the close', () => closeCode !== 0, 10_000);
      assert.equal(closeCode, CLOSE_CODES.backpressure);
      await waitFor('the server to forget it', () => stack.server.connectionCounts().full === 1);
      assert.equal(healthy.socket.readyState, WebSocket.OPEN);
    } finally {
      slow.terminate();
      await healthy.close();
    }
  });
});
