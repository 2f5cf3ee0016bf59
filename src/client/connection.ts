/**
 * The client's connection: one transport at a time, replaced with backoff after a loss until the
 * client is closed; silence taken for a half-open socket; the closing handshake. What a new
 * connection must restore (the subscriptions) and what a lost one fails (pending requests) are the
 * owner's business, reached through ConnectionOwner.
 */
import type { Emitter } from './emitter.js';
import { ClientClosedError, ConnectionLostError } from './errors.js';
import { ReconnectBackoff } from './reconnect.js';
import { openTransport, type CloseInfo, type Transport } from './transport.js';
import type { ClientEvents, ConnectOptions, GapEvent } from './types.js';

export interface ConnectionOwner {
  /** A message arrived on the current transport. */
  received(text: string): void;
  /** A new transport is open, before anything is sent on it. */
  opened(): void;
  /** The transport closed (lost, or closed by the client). */
  transportClosed(): void;
  /** The transport was lost: whatever waits for an answer on it fails with `error`. */
  lost(error: ConnectionLostError): void;
  /** The client closes for good (close(), or a loss with reconnects off): end everything, with `error` if any. */
  ending(error?: Error): void;
  /** Subscribes everything again on a new connection; null when that one was lost meanwhile. */
  resubscribe(): Promise<GapEvent[] | null>;
  /** Whether reading is paused (flow control): silence is then ours, not the server's. */
  isPaused(): boolean;
  reportError(err: unknown): void;
}

interface Waiter {
  resolve(transport: Transport): void;
  reject(error: Error): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 75_000;
/** A server that does not answer the closing handshake is not waited for longer. */
const CLOSE_HANDSHAKE_MS = 2_000;

export class ClientConnection {
  private readonly backoff: ReconnectBackoff;
  private transport: Transport | null = null;
  /** Bumped per transport, so events of a replaced socket are ignored. */
  private generation = 0;
  private waiters: Waiter[] = [];
  private recovering = false;
  private isClosed = false;
  private closing: Promise<void> | null = null;
  private closedResolve: (() => void) | null = null;
  private readonly sleepAbort = new AbortController();
  private lastReceivedAt = 0;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  private restored = 0;

  constructor(
    private readonly url: string,
    private readonly options: ConnectOptions,
    private readonly events: Emitter<ClientEvents>,
    private readonly owner: ConnectionOwner,
  ) {
    this.backoff = new ReconnectBackoff(options.reconnect === false ? {} : options.reconnect);
  }

  /** Connections restored after a loss. */
  get reconnects(): number {
    return this.restored;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The transport to send on, when connected and not busy restoring subscriptions. */
  get ready(): Transport | null {
    return this.recovering ? null : this.transport;
  }

  /** Any transport, also while subscriptions are being restored on it (flow control pauses it). */
  get current(): Transport | null {
    return this.transport;
  }

  /** Restarts the silence clock (reading resumed after a pause). */
  touch(): void {
    this.lastReceivedAt = Date.now();
  }

  whenReady(): Promise<Transport> {
    if (this.isClosed) return Promise.reject(new ClientClosedError());
    const ready = this.ready;
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Opens a transport (the first, or a reconnect). */
  async open(): Promise<void> {
    const generation = ++this.generation;
    const transport = await openTransport(
      this.url,
      {
        message: (text) => {
          if (generation !== this.generation) return;
          this.touch();
          this.owner.received(text);
        },
        close: (info) => {
          if (generation === this.generation) this.onClosed(info);
        },
      },
      {
        timeoutMs: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        ...(this.options.WebSocket ? { WebSocket: this.options.WebSocket } : {}),
      },
    );
    if (this.isClosed) {
      transport.close(1000, 'client closed');
      throw new ClientClosedError();
    }
    this.transport = transport;
    this.touch();
    this.startIdleCheck();
    this.owner.opened();
  }

  /** Closes for good; resolves once the server has answered the closing handshake (or not, in time). */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    this.sleepAbort.abort();
    this.stopIdleCheck();
    this.rejectWaiters(new ClientClosedError());
    this.owner.ending();
    const transport = this.transport;
    this.closing = new Promise<void>((resolve) => {
      if (!transport) return resolve();
      this.closedResolve = resolve;
      transport.close(1000, 'client closed');
      const timer = setTimeout(() => transport.terminate(), CLOSE_HANDSHAKE_MS);
      (timer as { unref?: () => void }).unref?.();
    }).then(() => {
      this.transport = null;
      this.events.emit('close');
    });
    return this.closing;
  }

  private onClosed(info: CloseInfo): void {
    this.transport = null;
    this.owner.transportClosed();
    this.stopIdleCheck();
    if (this.isClosed) {
      this.closedResolve?.();
      return;
    }
    this.owner.lost(new ConnectionLostError(`the connection was lost (${describeClose(info)})`));
    this.events.emit('disconnect', info.error ? { code: info.code, reason: info.reason, error: info.error } : { code: info.code, reason: info.reason });
    if (this.options.reconnect === false) {
      this.isClosed = true;
      this.closing = Promise.resolve();
      const error = new ClientClosedError(`the connection was lost (${describeClose(info)})`);
      this.rejectWaiters(error);
      this.owner.ending(error);
      this.events.emit('close');
      return;
    }
    // While recovering, the recovery loop notices the loss itself and starts over.
    if (!this.recovering) {
      this.recovering = true;
      void this.recover();
    }
  }

  /** Reconnects with backoff and resubscribes everything, until it succeeds or the client is closed. */
  private async recover(): Promise<void> {
    const lostAt = Date.now();
    let attempts = 0;
    let lastError: Error | undefined;
    try {
      for (;;) {
        // Connect, with backoff.
        for (;;) {
          if (this.isClosed) return;
          attempts++;
          const delayMs = this.backoff.next();
          this.events.emit('reconnecting', lastError ? { attempt: attempts, delayMs, error: lastError } : { attempt: attempts, delayMs });
          await sleep(delayMs, this.sleepAbort.signal);
          if (this.isClosed) return;
          try {
            await this.open();
            break;
          } catch (err) {
            if (err instanceof ClientClosedError) return;
            lastError = err instanceof Error ? err : new Error(String(err));
          }
        }
        const gaps = await this.owner.resubscribe();
        if (gaps === null) continue; // lost again while resubscribing
        this.backoff.reset();
        this.restored++;
        this.recovering = false;
        for (const waiter of this.waiters.splice(0)) waiter.resolve(this.transport!);
        this.events.emit('reconnect', { attempts, downtimeMs: Date.now() - lostAt, recovered: gaps.length === 0, gaps });
        for (const gap of gaps) this.events.emit('gap', gap);
        return;
      }
    } catch (err) {
      // Not expected: recovery must not die silently.
      this.owner.reportError(err);
    } finally {
      if (this.isClosed) this.recovering = false;
    }
  }

  private rejectWaiters(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private startIdleCheck(): void {
    const idleTimeoutMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (idleTimeoutMs <= 0) return;
    this.stopIdleCheck();
    this.idleTimer = setInterval(() => {
      if (this.owner.isPaused() || !this.transport) return;
      if (Date.now() - this.lastReceivedAt > idleTimeoutMs) {
        // Half-open TCP: nothing will ever tell us, so the connection is replaced.
        this.transport.terminate();
      }
    }, Math.max(100, Math.floor(idleTimeoutMs / 4)));
    // Node: the socket keeps the process alive, not this timer.
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private stopIdleCheck(): void {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
  }
}

function describeClose(info: CloseInfo): string {
  if (info.error) return info.error.message;
  return info.reason === '' ? `code ${info.code}` : `code ${info.code}, ${info.reason}`;
}

/**
 * setTimeout as a promise that an AbortSignal ends early. Not src/util/backoff.ts's sleep on
 * purpose: the client also runs in browsers and imports nothing of the server's Node code.
 */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
