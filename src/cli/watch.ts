/**
 * `certstream-ts watch`: print certificates from a certstream-ts server as they are logged, one
 * line each for grep, or one JSON message per line for jq. Filters travel in the subscription, so
 * the server does the filtering. A lost connection is retried forever, resuming after the last
 * certificate printed; stderr says so, and whether anything may have been missed.
 *
 * Exit codes: 0 after --count certificates, on SIGINT/SIGTERM, or when stdout is closed (`| head`);
 * 2 for bad flags, an unreachable server or a refused subscription; 1 for anything unexpected.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import picocolors from 'picocolors';
import { connect, type CertStreamClient } from '../client/client.js';
import { ConnectError, ServerError } from '../client/errors.js';
import type { Subscription } from '../client/subscription.js';
import type { CertStreamMessage, Channel, GapEvent, ReconnectEvent } from '../client/types.js';

type Colors = ReturnType<typeof picocolors.createColors>;

export interface WatchOptions {
  url: string;
  full?: boolean;
  domainsOnly?: boolean;
  keyword?: string[];
  regex?: string[];
  dedupe?: boolean;
  json?: boolean;
  count?: number;
  maxReconnectDelay: number;
}

const NAME = 'certstream-ts watch';
export const DEFAULT_WATCH_URL = 'ws://127.0.0.1:8080';

/** A problem the user can act on (bad flag, unreachable server, refused filter): one line, exit code 2. */
class WatchFailure extends Error {}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('print certificates from a certstream-ts server as they are logged (one line each, or JSON lines)')
    .option('--url <url>', 'server to watch', DEFAULT_WATCH_URL)
    .addOption(new Option('--full', 'full channel: certificate_update with DER (most useful with --json)').conflicts('domainsOnly'))
    .option('--domains-only', 'domains-only channel: just the domains of each certificate')
    .option('--keyword <keyword>', 'only certificates with a domain containing it, ignoring case (repeatable)', collect)
    .option('--regex <re2>', 'only certificates with a domain matching this RE2 regex (repeatable)', collect)
    .option('--dedupe', 'each certificate once: leave out those already streamed (in another log, or a final certificate after its precertificate)')
    .option('--json', 'print each message as one line of JSON (for jq)')
    .option('--count <n>', 'stop after n certificates', positiveInt)
    // For tests that restart the server: how long a reconnect may wait at most.
    .addOption(new Option('--max-reconnect-delay <ms>').argParser(positiveInt).default(30_000).hideHelp())
    // Usage errors are one line, exit 2, like every command's (src/cli/main.ts).
    .action(async (options: WatchOptions) => {
      process.exitCode = await runWatch(options);
    });
}

/** Runs until --count certificates were printed, a signal, or a fatal error; resolves with the exit code. */
export async function runWatch(options: WatchOptions): Promise<number> {
  const stdout = new StdoutWriter();
  let client: CertStreamClient | undefined;
  const stop = (): void => {
    // Nothing to save: stop reading and leave; the WebSocket close is best effort.
    void (client?.close() ?? Promise.resolve()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const url = parseServerUrl(options.url);
    const channel: Channel = options.full ? 'full' : options.domainsOnly ? 'domains-only' : 'lite';
    client = await connect(url, { reconnect: { maxDelayMs: options.maxReconnectDelay } }).catch((err: unknown) => {
      throw new WatchFailure(errorText(err));
    });
    reportConnectionEvents(client);
    // Always a subscription, even without filters: it is what a reconnect resumes.
    const subscription = await client
      .subscribe({ channel, keywords: options.keyword ?? [], regex: options.regex ?? [], ...(options.dedupe ? { dedupe: true } : {}) })
      .catch((err: unknown) => {
        throw new WatchFailure(err instanceof ServerError ? `the server refused the subscription: ${err.message}` : errorText(err));
      });
    warn(`watching ${url} (${describeSubscription(channel, options)})`);
    await printCertificates(subscription, options, stdout);
    return 0;
  } catch (err) {
    if (err instanceof WatchFailure) {
      warn(err.message);
      return 2;
    }
    throw err;
  } finally {
    await client?.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function printCertificates(subscription: Subscription, options: WatchOptions, stdout: StdoutWriter): Promise<void> {
  const colors = picocolors.createColors(useColor());
  let printed = 0;
  for await (const message of subscription) {
    await stdout.write(`${options.json ? JSON.stringify(message) : formatLine(message, colors)}\n`);
    printed++;
    if (options.count !== undefined && printed >= options.count) break;
  }
}

/** `[<ISO time>] <log name> <cert_index> <update_type> <domain, domain, ...>`; dns_entries: `[<now>] <domains>`. */
export function formatLine(message: CertStreamMessage, c: Colors = picocolors.createColors(false)): string {
  if (message.message_type === 'dns_entries') {
    return `${c.dim(`[${new Date().toISOString()}]`)} ${c.bold(message.data.join(', '))}`;
  }
  const { data } = message;
  const type = data.update_type === 'PrecertLogEntry' ? c.yellow(data.update_type) : c.green(data.update_type);
  return (
    `${c.dim(`[${new Date(data.seen * 1000).toISOString()}]`)} ${c.cyan(data.source.name)} ${data.cert_index} ${type} ` +
    c.bold(data.leaf_cert.all_domains.join(', '))
  );
}

function reportConnectionEvents(client: CertStreamClient): void {
  client.on('disconnect', (event) => {
    const why = event.error?.message ?? (event.reason === '' ? `code ${event.code}` : `${event.reason}, code ${event.code}`);
    warn(`connection lost (${why}); reconnecting`);
  });
  client.on('reconnecting', (event) => {
    // The first attempt is announced by 'connection lost'; later ones say why the last failed.
    if (event.attempt > 1) {
      const why = event.error instanceof ConnectError ? event.error.detail : (event.error?.message ?? 'unknown error');
      warn(`still disconnected (${why}); next attempt in ${(event.delayMs / 1000).toFixed(1)} s`);
    }
  });
  client.on('reconnect', (event) => warn(describeReconnect(event)));
  client.on('gap', (event) => {
    // not_recovered gaps are part of the reconnect message; overflow cannot happen with `ws`.
    if (event.reason === 'overflow') warn(`${event.dropped ?? 0} certificates dropped: output too slow`);
    if (event.reason === 'history_expired') {
      warn(`the server could not replay seq ${event.missedFrom ?? '?'} to ${event.missedTo ?? '?'} (gone from its history): certificates in between may have been missed`);
    }
  });
  client.on('error', (error) => warn(error.message));
}

export function describeReconnect(event: ReconnectEvent): string {
  const after = `after ${event.attempts} attempt${event.attempts === 1 ? '' : 's'}`;
  if (event.recovered) return `reconnected ${after}; resumed where it stopped, nothing missed`;
  return `reconnected ${after}; ${event.gaps.map(describeGap).join('; ')}`;
}

function describeGap(gap: GapEvent): string {
  const from = gap.missedFrom === undefined ? 'certificates' : `certificates from seq ${gap.missedFrom} on`;
  if (gap.serverRestarted) return `the server restarted, so ${from} may have been missed`;
  const oldest = gap.oldestSeq === undefined ? '' : ` (it keeps seq ${gap.oldestSeq} on)`;
  return `the server no longer has all ${from}${oldest}, so some may have been missed`;
}

function describeSubscription(channel: Channel, options: WatchOptions): string {
  const filters = [
    ...(options.keyword ?? []).map((k) => `keyword ${JSON.stringify(k)}`),
    ...(options.regex ?? []).map((r) => `regex ${JSON.stringify(r)}`),
  ];
  return `${channel}, ${filters.length === 0 ? 'every certificate' : filters.join(', ')}${options.dedupe ? ', each once' : ''}`;
}

function parseServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WatchFailure(`--url ${JSON.stringify(text)} is not a URL; expected ws://host:port or wss://host:port`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WatchFailure(`--url must start with ws:// or wss://, got ${JSON.stringify(text)}`);
  }
  return url.href.replace(/\/$/, '');
}

/** Colour for people, not for pipes: a TTY without NO_COLOR, or FORCE_COLOR. */
function useColor(): boolean {
  const { NO_COLOR, FORCE_COLOR } = process.env;
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '' && FORCE_COLOR !== '0') return true;
  // isTTY is undefined, not false, on a pipe: and createColors(undefined) would fall back to picocolors' own guess.
  return process.stdout.isTTY === true && (NO_COLOR === undefined || NO_COLOR === '');
}

function warn(text: string): void {
  process.stderr.write(`${NAME}: ${text}\n`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * stdout with backpressure (a slow reader pauses the WebSocket, not our memory) and a quiet exit
 * when the reader goes away: `watch | head -n 3` ends with EPIPE, which is success, not a crash.
 */
class StdoutWriter {
  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      warn(`cannot write to stdout: ${err.message}`);
      process.exit(1);
    });
    // Nobody reads the diagnostics any more (`watch 2>&1 | head`): carry on without them.
    process.stderr.on('error', () => undefined);
  }

  write(text: string): Promise<void> {
    if (process.stdout.write(text)) return Promise.resolve();
    return new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}
