import type { BenchOption } from '../options.js';

/**
 * The IPC side of a server under test (ours or the baseline), run as a child process so that its
 * CPU time and peak RSS are its own: it says when it listens, and answers stats requests.
 */
export interface ServerReady {
  type: 'ready';
  port: number;
}

export interface ServerStats {
  type: 'stats';
  /** process.cpuUsage() of the server process, µs. */
  cpuUserMicros: number;
  cpuSystemMicros: number;
  /** Peak resident set size over the process's life, KiB. */
  maxRssKiB: number;
  /** process.memoryUsage() now, bytes: resident set, V8 heap in use, off-heap (Buffers, uWS's own is not counted). */
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  /** Events the ingest produced so far. */
  entries: number;
}

export function reportToParent(port: number, entries: () => number): void {
  const send = (message: ServerReady | ServerStats): void => void process.send?.(message);
  send({ type: 'ready', port });
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'stats') return;
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    send({
      type: 'stats',
      cpuUserMicros: cpu.user,
      cpuSystemMicros: cpu.system,
      maxRssKiB: process.resourceUsage().maxRSS,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      entries: entries(),
    });
  });
  // The harness going away (or killing the IPC channel) ends the server.
  process.on('disconnect', () => process.exit(0));
}

/** The follower options given by the poll flags (absent flags keep serve's defaults). */
export function followerOptionsFrom(values: { 'poll-interval'?: number | undefined; 'fast-poll-interval'?: number | undefined }): { pollIntervalMs?: number; fastPollIntervalMs?: number } {
  return {
    ...(values['poll-interval'] === undefined ? {} : { pollIntervalMs: values['poll-interval'] }),
    ...(values['fast-poll-interval'] === undefined ? {} : { fastPollIntervalMs: values['fast-poll-interval'] }),
  };
}

/** Options both server entries take on their command line. */
export const SERVER_ARGS = {
  'log-list': { type: 'string', valueName: 'url', description: 'log list to follow (required)' },
  'max-backpressure': { type: 'number', default: 4 * 1024 * 1024, valueName: 'bytes', description: 'unsent bytes per client before it is evicted' },
  'poll-interval': { type: 'number', valueName: 'ms', description: "the followers' idle head poll interval (default: serve's)" },
  'fast-poll-interval': { type: 'number', valueName: 'ms', description: "the followers' head poll interval while a log grows (default: serve's)" },
} as const satisfies Record<string, BenchOption>;
