/**
 * The benchmarks' command lines, declared once: each option's type, default and description give
 * both the parser (node's parseArgs) and `--help`. A bad flag or value is one line,
 * `bench <name>: <what is wrong>`, and exit code 2, like the CLI's.
 */
import { parseArgs } from 'node:util';

interface Described {
  description: string;
  /** Placeholder in `--flag <valueName>`; default: the type. */
  valueName?: string;
}

export type BenchOption =
  | (Described & { type: 'number'; default?: number; min?: number })
  | (Described & { type: 'string'; default?: string; choices?: readonly string[] })
  | (Described & { type: 'boolean' });

type ValueOf<O extends BenchOption> = O extends { type: 'number' } ? number : O extends { type: 'string' } ? string : boolean;

/** Options with a default (and switches, false when absent) always have a value. */
export type BenchValues<T extends Record<string, BenchOption>> = {
  [K in keyof T]: T[K] extends { default: unknown } | { type: 'boolean' } ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

export interface BenchCommand<T extends Record<string, BenchOption>> {
  /** The name `npm run bench -- <name>` runs it by. */
  name: string;
  /** One line on what it measures. */
  summary: string;
  options: T;
}

/** One line on stderr and exit 2: the benchmarks' usage error. */
export function benchUsageError(name: string, message: string): never {
  process.stderr.write(`bench ${name}: ${message} (see npm run bench -- ${name} --help)\n`);
  process.exit(2);
}

export function benchHelp(command: BenchCommand<Record<string, BenchOption>>): string {
  const rows = Object.entries(command.options).map(([flag, option]) => {
    const left = option.type === 'boolean' ? `--${flag}` : `--${flag} <${option.valueName ?? (option.type === 'number' ? 'n' : 'value')}>`;
    const notes = [
      ...(option.type === 'string' && option.choices ? [`one of ${option.choices.join(', ')}`] : []),
      ...(option.type !== 'boolean' && option.default !== undefined ? [`default: ${option.default}`] : []),
    ];
    return [left, notes.length === 0 ? option.description : `${option.description} (${notes.join('; ')})`] as const;
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: npm run bench -- ${command.name} [options]`,
    '',
    command.summary,
    '',
    'options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
  ].join('\n');
}

/** Parses argv (after the benchmark's name) against the declaration; --help prints it and exits 0. */
export function parseBenchArgs<const T extends Record<string, BenchOption>>(command: BenchCommand<T>, args = process.argv.slice(2)): BenchValues<T> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(benchHelp(command));
    process.exit(0);
  }
  const config = Object.fromEntries(Object.entries(command.options).map(([flag, option]) => [flag, { type: option.type === 'boolean' ? 'boolean' : 'string' } as const]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: config, strict: true, allowPositionals: false }).values;
  } catch (err) {
    benchUsageError(command.name, (err as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
  }
  const result: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(command.options)) {
    const text = values[flag];
    if (option.type === 'boolean') result[flag] = text === true;
    else if (text === undefined) result[flag] = option.default;
    else if (option.type === 'number') result[flag] = numberValue(command.name, flag, String(text), option.min ?? 0);
    else if (option.choices && !option.choices.includes(String(text))) benchUsageError(command.name, `--${flag} must be one of ${option.choices.join(', ')}, got "${String(text)}"`);
    else result[flag] = text;
  }
  return result as BenchValues<T>;
}

function numberValue(name: string, flag: string, text: string, min: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min) benchUsageError(name, `--${flag} must be a number of at least ${min}, got "${text}"`);
  return n;
}
