/**
 * Clients that never read, many of them: the unsent bytes they make the server hold are bounded per
 * client IP and in total (the slowest are evicted), while a healthy client gets every certificate.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { defaultUnsentBudget } from '../../src/config/defaults.js';
import { overBudget } from '../../src/server/unsent-budget.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { connectRecording } from '../support/ws-client.js';

const MiB = 1024 * 1024;

describe('unsent-bytes budgets', () => {
  it('cuts the largest holders of an IP over its budget, then the largest overall', () => {
    const h = (ip: string, buffered: number) => ({ ip, buffered, name: `${ip}/${buffered}` });
    const holders = [h('a', 5), h('a', 9), h('a', 1), h('b', 4), h('c', 3), h('c', 2)];
    const cuts = overBudget(holders, { perIp: 6, total: 8 });
    // a: 15 > 6, cut 9 (6 left); then a 5+1, b 4, c 5 = 15 > 8: cut 5 (a), then 4 (b).
    assert.deepEqual(
      cuts.map((c) => [c.holder.name, c.scope]),
      [['a/9', 'ip'], ['a/5', 'total'], ['b/4', 'total']],
    );
    assert.deepEqual(overBudget(holders, { perIp: 100, total: 100 }), []);
  });

  it('defaults the total budget to an eighth of the memory the process may use, at least 256 MiB', () => {
    assert.equal(defaultUnsentBudget(16 * 1024 * MiB, undefined), 2 * 1024 * MiB);
    assert.equal(defaultUnsentBudget(16 * 1024 * MiB, 4 * 1024 * MiB), 512 * MiB, 'a cgroup limit below the machine counts');
    assert.equal(defaultUnsentBudget(16 * 1024 * MiB, 2 ** 62), 2 * 1024 * MiB, 'an unlimited cgroup does not');
    assert.equal(defaultUnsentBudget(1024 * MiB, 0), 256 * MiB);
  });
});

describe('never-reading clients against the budgets', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack(
      { seed: 'unsent-budget' },
      { maxBackpressure: MiB, maxUnsentBytesPerIp: 2 * MiB, maxUnsentBytes: 3 * MiB, maxConnectionsPerIp: 100 },
    );
  });

  after(async () => {
    await stack.close();
  });

  /** A full-stream client from `localAddress` that stops reading at once. */
  async function neverReader(localAddress: string): Promise<{ socket: WebSocket; closed: Promise<void> }> {
    const socket = new WebSocket(`ws://${stack.base}/full-stream`, { localAddress });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    (socket as unknown as { _socket: Socket })._socket.pause();
    return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
  }

  async function metrics(): Promise<string> {
    return (await fetch(`http://${stack.base}/metrics`)).text();
  }

  it('evicts never-readers by IP and in total; a healthy client gets everything', async () => {
    const healthy = await connectRecording(`ws://${stack.base}/full-stream`);
    // Six from one address (per-IP budget), and one each from six others (total budget).
    const readers = await Promise.all([
      ...Array.from({ length: 6 }, () => neverReader('127.0.0.2')),
      ...Array.from({ length: 6 }, (_, i) => neverReader(`127.0.0.${3 + i}`)),
    ]);
    try {
      // ~4 KB per full message: 1,000 messages are ~4 MB per reader, past its kernel buffers.
      stack.sim.append(500);
      const updates = (): number => healthy.messages.filter((m) => (m as { message_type: string }).message_type === 'certificate_update').length;
      await waitFor('the healthy client to get all 1,000', () => updates() === 1_000, 30_000);
      let text = '';
      await waitForAsync('both budget cuts in /metrics', async () => {
        text = await metrics();
        return /certstream_unsent_budget_cuts_total\{scope="ip"\} [1-9]/.test(text) && /certstream_unsent_budget_cuts_total\{scope="total"\} [1-9]/.test(text);
      }, 10_000);
      // Whether cut by a budget or by their own limit, none of them is kept: the server closes each.
      for (const r of readers) (r.socket as unknown as { _socket: Socket })._socket.resume();
      await Promise.all(readers.map((r) => r.closed));
      await waitFor('only the healthy client left', () => stack.server.connectionCounts().full === 1);
      assert.equal(healthy.socket.readyState, WebSocket.OPEN);
      // And the healthy one still gets what comes next.
      stack.sim.append(1);
      await waitFor('two more', () => updates() === 1_002, 5_000);
    } finally {
      for (const r of readers) r.socket.terminate();
      await healthy.close();
    }
  });
});
