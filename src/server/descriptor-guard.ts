/**
 * Keeps the server responsive when the process runs out of file descriptors.
 *
 * uSockets accepts from a level-triggered listen socket: once accept() fails with EMFILE the socket
 * stays readable and the event loop spins at 100% of a core. uWebSockets.js 20.30 has no hook that
 * sees a TCP connection before its first request, so connections cannot be counted (per IP or at
 * all) before they take a descriptor. So we watch the descriptors themselves: every PROBE_MS we try
 * to open one; when that fails we stop listening (the spin ends, open connections go on being
 * served; new ones are refused by the kernel) and release a reserve of descriptors so the process
 * can still save its cursors and reach the logs. Once a reserve's worth is free again beyond the
 * reserve itself (uWS closes idle unupgraded sockets after ~10 s), we listen again.
 */
import { closeSync, openSync } from 'node:fs';
import { devNull } from 'node:os';
import type { Logger } from '../util/logger.js';

const PROBE_MS = 250;
/** Descriptors held back for the process's own work while accepting is paused. */
const RESERVE = 32;

export interface DescriptorGuardTarget {
  /** Stops accepting connections. */
  pause(): void;
  /** Accepts connections again; false when the port could not be bound (tried again later). */
  resume(): Promise<boolean>;
}

export class DescriptorGuard {
  private readonly reserve: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private resuming = false;
  /** Times accepting was paused for lack of descriptors. */
  pauses = 0;

  constructor(
    private readonly target: DescriptorGuardTarget,
    private readonly logger: Logger,
  ) {}

  get accepting(): boolean {
    return !this.paused;
  }

  start(): void {
    this.fillReserve();
    this.timer = setInterval(() => this.probe(), PROBE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.releaseReserve();
  }

  private probe(): void {
    if (this.paused) {
      this.tryResume();
      return;
    }
    const fd = tryOpen();
    if (fd !== null) {
      closeSync(fd);
      return;
    }
    this.paused = true;
    this.pauses++;
    this.target.pause();
    this.releaseReserve();
    this.logger.warn({ reserve: RESERVE }, 'out of file descriptors: not accepting new connections until some close (raise LimitNOFILE / ulimit -n)');
  }

  /** Resumes once twice the reserve can be opened: the reserve is kept, the rest is headroom. */
  private tryResume(): void {
    if (this.resuming) return;
    const opened: number[] = [];
    for (let i = 0; i < 2 * RESERVE; i++) {
      const fd = tryOpen();
      if (fd === null) break;
      opened.push(fd);
    }
    if (opened.length < 2 * RESERVE) {
      for (const fd of opened) closeSync(fd);
      return;
    }
    this.reserve.push(...opened.splice(0, RESERVE));
    for (const fd of opened) closeSync(fd);
    this.resuming = true;
    void this.target.resume().then(
      (ok) => {
        this.resuming = false;
        if (!ok) {
          this.releaseReserve(); // taken again on the next try
          return;
        }
        this.paused = false;
        this.logger.info({ pauses: this.pauses }, 'accepting connections again');
      },
      (err: unknown) => {
        this.resuming = false;
        this.logger.error({ err }, 'could not listen again');
      },
    );
  }

  private fillReserve(): void {
    while (this.reserve.length < RESERVE) {
      const fd = tryOpen();
      if (fd === null) return;
      this.reserve.push(fd);
    }
  }

  private releaseReserve(): void {
    for (const fd of this.reserve.splice(0)) closeSync(fd);
  }
}

/** A descriptor, or null when the process (or system) has none left. */
function tryOpen(): number | null {
  try {
    return openSync(devNull, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EMFILE' || code === 'ENFILE') return null;
    throw err;
  }
}
