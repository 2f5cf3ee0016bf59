/**
 * Structured logs with pino, on stderr (stdout stays free for data): one JSON object per line with an
 * ISO `time`, a `level` label and `err` serialized with its stack, or, for people at a terminal,
 * pino-pretty's readable lines. pino-pretty runs in this thread as a plain stream (not a worker
 * transport), so a line is written before the next statement runs and nothing is lost on exit.
 */
import { pino, stdSerializers, stdTimeFunctions } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
/** auto = pretty when stderr is a terminal, JSON otherwise. */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** The part of pino the code uses, so call sites stay `log.info({ fields }, 'message')`. */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(fields: object): Logger;
}

export interface LogOutput {
  format?: LogFormat;
  /** Where lines go (tests); stderr when absent. */
  stream?: NodeJS.WritableStream;
  /** Whether the output is a terminal: picks the auto format and colours; stderr's when absent. */
  isTTY?: boolean;
}

export function createLogger(
  level: LogLevel = (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  output: LogOutput = {},
): Logger {
  const isTTY = output.isTTY ?? process.stderr.isTTY;
  const format = output.format === undefined || output.format === 'auto' ? (isTTY ? 'pretty' : 'json') : output.format;
  const destination = output.stream ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level,
      // No pid/hostname on every line: process managers and container runtimes record those.
      base: null,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: stdSerializers.err },
    },
    format === 'pretty' ? PinoPretty({ colorize: isTTY, destination, sync: true }) : destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
