/**
 * The buffer between the socket and one async iterator. It never grows without bound: when it
 * holds highWaterMark messages its owner stops reading from the socket (Node), or, where reading
 * cannot be paused (browsers), it refuses further messages, which the owner reports as a gap.
 */

export interface QueueOwner {
  /** The consumer took a message; the owner may resume reading. */
  drained(queue: MessageQueue<unknown>): void;
  /** The consumer stopped iterating (break, return or throw in a for await loop). */
  detached(queue: MessageQueue<unknown>): void;
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: Error): void;
}

export class MessageQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  /** Index of the oldest item in `items`; the array is compacted now and then instead of shifted. */
  private head = 0;
  private waiter: Waiter<T> | null = null;
  private ended = false;
  private failure: Error | null = null;

  constructor(
    private readonly owner: QueueOwner,
    readonly highWaterMark: number,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.size >= this.highWaterMark;
  }

  /** At or below half the high-water mark: worth resuming reading for. */
  get low(): boolean {
    return this.size <= this.highWaterMark / 2;
  }

  get done(): boolean {
    return this.ended;
  }

  /** Hands a message to the consumer, or keeps it. Does not check the bound: the owner does. */
  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
  }

  /** No more messages: the consumer gets what is queued, then the end (or `error`). */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (error) this.failure = error;
    if (this.waiter && this.size === 0) {
      const waiter = this.waiter;
      this.waiter = null;
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  /** Takes every queued message at once (to hand them to a callback instead). */
  takeAll(): T[] {
    const taken = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return taken;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head] as T;
      this.head++;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.owner.drained(this);
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      if (this.failure) {
        const failure = this.failure;
        this.failure = null;
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter) return Promise.reject(new Error('next() called again before the previous call resolved'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.items = [];
    this.head = 0;
    this.failure = null;
    if (this.waiter) {
      this.waiter.resolve({ value: undefined, done: true });
      this.waiter = null;
    }
    this.owner.detached(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
