/**
 * Backpressure between the socket and the async iterators. Each iterator has its own bounded
 * queue; when one holds highWaterMark messages, reading from the socket pauses (ws), and it
 * resumes once every queue is down to half. Where reading cannot be paused (a browser WebSocket),
 * a full queue drops what comes next and the drop is reported as a gap once the queue has room.
 */
import { MessageQueue, type QueueOwner } from './queue.js';
import { seqOf } from './seq.js';
import type { Transport } from './transport.js';
import type { CertStreamMessage, GapEvent } from './types.js';

/** What flow control acts on. */
export interface FlowTarget {
  /** The open connection, if any. */
  transport(): Transport | null;
  /** The server's epoch on that connection, if known. */
  epoch(): string | null;
  gap(event: GapEvent): void;
  /** Reading resumed after a pause (which is not silence from the server). */
  resumed(): void;
}

interface Drop {
  count: number;
  firstSeq?: number;
  epoch?: string;
  subscription?: string;
}

type Queue = MessageQueue<CertStreamMessage>;

export class FlowControl implements QueueOwner {
  private readonly queues = new Set<Queue>();
  private readonly drops = new Map<Queue, Drop>();
  private isPaused = false;

  constructor(
    private readonly highWaterMark: number,
    private readonly target: FlowTarget,
  ) {}

  get paused(): boolean {
    return this.isPaused;
  }

  /** Messages held by all iterators. */
  get buffered(): number {
    let total = 0;
    for (const queue of this.queues) total += queue.size;
    return total;
  }

  /** A queue for a new iterator, delivered to through `deliverTo` until the iterator is left. */
  createQueue<M>(deliverTo: Set<MessageQueue<M>>): MessageQueue<M> {
    const queue = new MessageQueue<M>(this, this.highWaterMark);
    deliverTo.add(queue);
    this.queues.add(queue as MessageQueue<unknown> as Queue);
    const detach = queue.return.bind(queue);
    queue.return = () => {
      deliverTo.delete(queue);
      return detach();
    };
    return queue;
  }

  enqueue(queue: Queue, message: CertStreamMessage): void {
    if (queue.full && !(this.target.transport()?.canPause ?? false)) {
      this.recordDrop(queue, message);
      return;
    }
    queue.push(message);
    if (queue.full) this.pause();
  }

  /** A new connection starts reading; iterators may still be full from before. */
  connectionOpened(): void {
    this.isPaused = false;
    if (this.anyQueue((queue) => queue.full)) this.pause();
  }

  connectionClosed(): void {
    this.isPaused = false;
  }

  drained(queue: MessageQueue<unknown>): void {
    const q = queue as Queue;
    if (q.done && q.size === 0) this.queues.delete(q);
    if (!q.low) return;
    this.reportDrop(q);
    this.resumeIfRoom();
  }

  detached(queue: MessageQueue<unknown>): void {
    const q = queue as Queue;
    this.queues.delete(q);
    this.reportDrop(q);
    this.resumeIfRoom();
  }

  private pause(): void {
    const transport = this.target.transport();
    if (this.isPaused || !transport?.canPause) return;
    this.isPaused = true;
    transport.pause();
  }

  private resumeIfRoom(): void {
    // Resuming while a queue is above half would only refill it at once.
    if (!this.isPaused || this.anyQueue((queue) => !queue.low)) return;
    this.isPaused = false;
    this.target.resumed();
    this.target.transport()?.resume();
  }

  private anyQueue(test: (queue: Queue) => boolean): boolean {
    for (const queue of this.queues) if (!queue.done && test(queue)) return true;
    return false;
  }

  private recordDrop(queue: Queue, message: CertStreamMessage): void {
    let drop = this.drops.get(queue);
    if (!drop) {
      drop = { count: 0 };
      const seq = seqOf(message);
      const epoch = this.target.epoch();
      if (seq !== undefined) drop.firstSeq = seq;
      if (epoch !== null) drop.epoch = epoch;
      if (message.subscription !== undefined) drop.subscription = message.subscription;
      this.drops.set(queue, drop);
    }
    drop.count++;
  }

  /** One gap per overflow episode, reported when the iterator has room again (or is left). */
  private reportDrop(queue: Queue): void {
    const drop = this.drops.get(queue);
    if (!drop) return;
    this.drops.delete(queue);
    const gap: GapEvent = { reason: 'overflow', dropped: drop.count };
    if (drop.subscription !== undefined) gap.subscription = drop.subscription;
    if (drop.firstSeq !== undefined) gap.missedFrom = drop.firstSeq;
    if (drop.epoch !== undefined) gap.epoch = drop.epoch;
    this.target.gap(gap);
  }
}
