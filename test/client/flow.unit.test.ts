/**
 * The client's flow control and request pairing on their own, over a recording transport: when
 * reading pauses and resumes, what a transport that cannot pause drops and reports, and how
 * replies are matched to requests (by order) and timeouts end the connection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionLostError } from '../../src/client/errors.js';
import { FlowControl, type FlowTarget } from '../../src/client/flow.js';
import type { MessageQueue } from '../../src/client/queue.js';
import { parseReply, RequestQueue, type Reply } from '../../src/client/requests.js';
import type { Transport } from '../../src/client/transport.js';
import type { CertStreamMessage, GapEvent } from '../../src/client/types.js';

/** A transport that records what is done to it. */
class RecordingTransport implements Transport {
  readonly sent: string[] = [];
  pauses = 0;
  resumes = 0;
  terminated = false;
  failSends = false;

  constructor(readonly canPause: boolean) {}

  send(text: string): void {
    if (this.failSends) throw new Error('socket closed');
    this.sent.push(text);
  }
  pause(): void {
    this.pauses++;
  }
  resume(): void {
    this.resumes++;
  }
  close(): void {}
  terminate(): void {
    this.terminated = true;
  }
}

function flowOver(transport: Transport | null, highWaterMark = 4, epoch: string | null = 'e1') {
  const gaps: GapEvent[] = [];
  let resumed = 0;
  const target: FlowTarget = { transport: () => transport, epoch: () => epoch, gap: (g) => gaps.push(g), resumed: () => resumed++ };
  const flow = new FlowControl(highWaterMark, target);
  return { flow, gaps, resumedCount: () => resumed };
}

/** A dns_entries message as the server sends it to subscription `subscription`. */
function message(seq: number, subscription?: string): CertStreamMessage {
  return { message_type: 'dns_entries', seq, data: [`${seq}.example`], ...(subscription ? { subscription } : {}) } as unknown as CertStreamMessage;
}

async function takeOne(queue: MessageQueue<CertStreamMessage>): Promise<number | undefined> {
  const result: IteratorResult<CertStreamMessage> = await queue.next();
  return result.done ? undefined : (result.value as unknown as { seq: number }).seq;
}

describe('FlowControl', () => {
  it('pauses reading when an iterator holds highWaterMark messages and resumes once it is down to half', async () => {
    const transport = new RecordingTransport(true);
    const { flow, resumedCount } = flowOver(transport);
    const queue = flow.createQueue<CertStreamMessage>(new Set());
    for (let seq = 1; seq <= 3; seq++) flow.enqueue(queue, message(seq));
    assert.equal(transport.pauses, 0, 'below the mark: still reading');
    flow.enqueue(queue, message(4));
    assert.equal(transport.pauses, 1);
    assert.equal(flow.paused, true);
    assert.equal(flow.buffered, 4);

    assert.equal(await takeOne(queue), 1);
    assert.equal(transport.resumes, 0, 'three left: above half');
    assert.equal(await takeOne(queue), 2);
    assert.equal(transport.resumes, 1, 'two left: half the mark');
    assert.equal(resumedCount(), 1, 'the target hears that reading resumed');
    assert.equal(flow.paused, false);
    assert.deepEqual([await takeOne(queue), await takeOne(queue)], [3, 4], 'nothing was lost or reordered');
  });

  it('resumes only when every iterator has room', async () => {
    const transport = new RecordingTransport(true);
    const { flow } = flowOver(transport);
    const a = flow.createQueue<CertStreamMessage>(new Set());
    const b = flow.createQueue<CertStreamMessage>(new Set());
    for (let seq = 1; seq <= 4; seq++) {
      flow.enqueue(a, message(seq));
      flow.enqueue(b, message(seq));
    }
    assert.equal(transport.pauses, 1, 'paused once, not once per queue');
    await takeOne(a);
    await takeOne(a);
    assert.equal(transport.resumes, 0, 'b is still full');
    await takeOne(b);
    await takeOne(b);
    assert.equal(transport.resumes, 1);
  });

  it('resumes when a full iterator is left, and forgets it', async () => {
    const transport = new RecordingTransport(true);
    const { flow } = flowOver(transport);
    const deliverTo = new Set<MessageQueue<CertStreamMessage>>();
    const queue = flow.createQueue(deliverTo);
    for (let seq = 1; seq <= 4; seq++) flow.enqueue(queue, message(seq));
    assert.equal(deliverTo.size, 1);
    await queue.return();
    assert.equal(deliverTo.size, 0, 'no more deliveries to a left iterator');
    assert.equal(transport.resumes, 1);
    assert.equal(flow.buffered, 0);
  });

  it('pauses a new connection at once when an iterator is still full from the last one', () => {
    const first = new RecordingTransport(true);
    let current: RecordingTransport = first;
    const target: FlowTarget = { transport: () => current, epoch: () => null, gap: () => undefined, resumed: () => undefined };
    const flow = new FlowControl(2, target);
    const queue = flow.createQueue<CertStreamMessage>(new Set());
    flow.enqueue(queue, message(1));
    flow.enqueue(queue, message(2));
    flow.connectionClosed();
    assert.equal(flow.paused, false);
    current = new RecordingTransport(true);
    flow.connectionOpened();
    assert.equal(current.pauses, 1);
    assert.equal(flow.paused, true);
  });

  it('where reading cannot pause, drops past the mark and reports one gap once the iterator has room', async () => {
    const transport = new RecordingTransport(false);
    const { flow, gaps } = flowOver(transport, 2, 'epoch-7');
    const queue = flow.createQueue<CertStreamMessage>(new Set());
    for (let seq = 10; seq < 15; seq++) flow.enqueue(queue, message(seq, 'sub-a'));
    assert.equal(transport.pauses, 0);
    assert.equal(flow.buffered, 2, 'kept up to the mark');
    assert.deepEqual(gaps, [], 'the gap waits until the iterator can take it in');
    assert.equal(await takeOne(queue), 10);
    assert.deepEqual(gaps, [{ reason: 'overflow', dropped: 3, subscription: 'sub-a', missedFrom: 12, epoch: 'epoch-7' }]);
    flow.enqueue(queue, message(15, 'sub-a'));
    assert.deepEqual([await takeOne(queue), await takeOne(queue)], [11, 15]);
    assert.equal(gaps.length, 1, 'one gap per overflow episode');
  });

  it('reports the drops of an iterator that is left while full', async () => {
    const { flow, gaps } = flowOver(new RecordingTransport(false), 1, null);
    const queue = flow.createQueue<CertStreamMessage>(new Set());
    flow.enqueue(queue, message(1));
    flow.enqueue(queue, message(2));
    await queue.return();
    assert.deepEqual(gaps, [{ reason: 'overflow', dropped: 1, missedFrom: 2 }]);
  });
});

describe('RequestQueue', () => {
  const pong: Reply = { message_type: 'pong' };

  it('sends each request and hands replies to them in the order they were sent', async () => {
    const transport = new RecordingTransport(true);
    const requests = new RequestQueue(10_000);
    const seen: string[] = [];
    const first = requests.send(transport, { type: 'ping', id: 'a' }, 'ping a', () => seen.push('a'));
    const second = requests.send(transport, { type: 'unsubscribe', id: 'b' }, 'unsubscribe b', () => seen.push('b'));
    assert.deepEqual(transport.sent.map((t) => JSON.parse(t) as unknown), [{ type: 'ping', id: 'a' }, { type: 'unsubscribe', id: 'b' }]);
    assert.equal(requests.settle(pong), true);
    assert.deepEqual(seen, ['a'], 'onReply runs synchronously with the reply');
    assert.equal(requests.settle({ message_type: 'unsubscribed', id: 'b' }), true);
    assert.deepEqual(await first, pong);
    assert.deepEqual(await second, { message_type: 'unsubscribed', id: 'b' });
    assert.equal(requests.settle(pong), false, 'a reply nobody waits for');
  });

  it('gives the connection up when a reply does not come in time', async () => {
    const transport = new RecordingTransport(true);
    const requests = new RequestQueue(20);
    await assert.rejects(requests.send(transport, { type: 'ping' }, 'ping'), /no answer to ping within 20 ms/);
    assert.equal(transport.terminated, true);
    assert.equal(requests.settle(pong), false, 'the timed-out request no longer waits');
  });

  it('fails a request that cannot be sent, and every waiting one on failAll', async () => {
    const transport = new RecordingTransport(true);
    const requests = new RequestQueue(10_000);
    const waiting = requests.send(transport, { type: 'ping' }, 'ping');
    transport.failSends = true;
    await assert.rejects(requests.send(transport, { type: 'ping' }, 'ping'), (err) => err instanceof ConnectionLostError && /cannot send: socket closed/.test(err.message));
    requests.failAll(new ConnectionLostError('gone'));
    await assert.rejects(waiting, ConnectionLostError);
    assert.equal(requests.settle(pong), false);
  });
});

describe('parseReply', () => {
  it('accepts valid replies, keeps unknown error codes, and refuses malformed ones', () => {
    assert.deepEqual(parseReply({ message_type: 'pong' }), { message_type: 'pong' });
    assert.deepEqual(parseReply({ message_type: 'unsubscribed', id: 'x' }), { message_type: 'unsubscribed', id: 'x' });
    const error = parseReply({ message_type: 'error', code: 'from_the_future', message: 'new', id: 'q' });
    assert.equal(error?.message_type, 'error');
    assert.equal(error?.message_type === 'error' && error.error.code, 'from_the_future');
    assert.equal(parseReply({ message_type: 'error', code: 5, message: 'x' }), null);
    assert.equal(parseReply({ message_type: 'unsubscribed' }), null);
    assert.equal(parseReply({ message_type: 'certificate_update' }), null);
  });
});
