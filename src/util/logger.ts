/**
 * Minimal structured logger: one JSON object per line on stderr (stdout stays free for data), with
 * pino's call shape `log.info({ fields }, 'message')` so it can be swapped for pino later.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(fields: object): Logger;
}

export function createLogger(
  level: LogLevel = (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  bindings: object = {},
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  const emit = (lvl: Exclude<LogLevel, 'silent'>, fields: object, msg: string): void => {
    if (ORDER[lvl] < threshold) return;
    const errorFields = 'err' in fields && fields.err instanceof Error ? { err: fields.err.message } : {};
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...bindings, ...fields, ...errorFields })}\n`);
  };
  return {
    debug: (f, m) => emit('debug', f, m),
    info: (f, m) => emit('info', f, m),
    warn: (f, m) => emit('warn', f, m),
    error: (f, m) => emit('error', f, m),
    child: (fields) => createLogger(level, { ...bindings, ...fields }, write),
  };
}

export const silentLogger: Logger = createLogger('silent');
