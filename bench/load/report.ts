/** The load test's outputs: the terminal table (each server, ours' ratio to each other), the JSON report, `--compare`. */
import type { RampResult } from './ramp.js';
import type { RunFigures } from './run.js';
import { SERVER_KINDS, type ServerKind } from './processes.js';
import type { Scenario } from './scenarios.js';

export interface LoadReport {
  version: 1;
  date: string;
  scenarioName: string;
  scenario: Scenario;
  /** `simulate` flags every server ran against (tree-head interval, RFC 6962 logs only). */
  simulatorArgs?: string[];
  /** Load averages (1, 5, 15 min) before and after the runs (absent in older reports). */
  machine: { cpus: number; node: string; loadAverageBefore?: number[]; loadAverageAfter?: number[] };
  results: Partial<Record<ServerKind, RunFigures>>;
  /** Only for ramp scenarios (then `results` holds each server's last passing step). */
  ramp?: Partial<Record<ServerKind, RampResult>>;
}

/** The figures that are numbers (the table's rows). */
type NumericFigure = { [K in keyof RunFigures]-?: RunFigures[K] extends number | null ? K : never }[keyof RunFigures];

interface Row {
  label: string;
  key: NumericFigure;
  digits: number;
}

const ROWS: Row[] = [
  { label: 'entries ingested/s', key: 'entriesPerSecond', digits: 0 },
  { label: 'messages delivered/s', key: 'messagesPerSecond', digits: 0 },
  { label: 'MB delivered/s', key: 'megabytesPerSecond', digits: 2 },
  { label: 'latency p50 (ms)', key: 'latencyP50Ms', digits: 1 },
  { label: 'latency p90 (ms)', key: 'latencyP90Ms', digits: 1 },
  { label: 'latency p99 (ms)', key: 'latencyP99Ms', digits: 1 },
  { label: 'latency max (ms)', key: 'latencyMaxMs', digits: 1 },
  { label: 'probe client latency p50 (ms)', key: 'probeLatencyP50Ms', digits: 1 },
  { label: 'probe client latency p99 (ms)', key: 'probeLatencyP99Ms', digits: 1 },
  { label: 'end-to-end p50 (ms, log append to probe)', key: 'endToEndP50Ms', digits: 0 },
  { label: 'end-to-end p90 (ms)', key: 'endToEndP90Ms', digits: 0 },
  { label: 'end-to-end p99 (ms)', key: 'endToEndP99Ms', digits: 0 },
  { label: 'end-to-end max (ms)', key: 'endToEndMaxMs', digits: 0 },
  { label: 'server CPU (% of a core)', key: 'serverCpuPercent', digits: 1 },
  { label: 'server CPU per message (µs)', key: 'serverCpuMicrosPerMessage', digits: 2 },
  { label: 'server peak RSS (MiB)', key: 'serverPeakRssMiB', digits: 1 },
  { label: 'client CPU (% of a core)', key: 'clientCpuPercent', digits: 1 },
  { label: 'simulator CPU (% of a core)', key: 'simulatorCpuPercent', digits: 1 },
  { label: 'clients connected', key: 'clientsConnected', digits: 0 },
  { label: 'connect failures', key: 'connectFailures', digits: 0 },
  { label: 'backpressure closes', key: 'backpressureCloses', digits: 0 },
  { label: 'other closes', key: 'otherCloses', digits: 0 },
  { label: 'messages lost (seq / cert_index gaps)', key: 'lostMessages', digits: 0 },
  { label: 'drops the server reported', key: 'serverReportedDrops', digits: 0 },
  { label: 'seq out of order', key: 'outOfOrder', digits: 0 },
  { label: 'filtered: matches checked', key: 'checkedMatches', digits: 0 },
  { label: 'filtered: matches missed', key: 'missedMatches', digits: 0 },
];

function format(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined) return '-';
  if (b === 0) return a === 0 ? '=' : '-';
  return `${(a / b).toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Every server that ran, then ours' ratio to each other one, figure by figure. */
export function resultTable(report: LoadReport): string {
  const kinds = SERVER_KINDS.filter((k) => report.results[k]);
  const others = report.results.ours ? kinds.filter((k) => k !== 'ours') : [];
  const { ours } = report.results;
  return table(
    ['figure', ...kinds, ...others.map((k) => `ours/${k}`)],
    ROWS.map(({ label, key, digits }) => [
      label,
      ...kinds.map((k) => format(report.results[k]?.[key], digits)),
      ...others.map((k) => ratio(ours?.[key], report.results[k]?.[key])),
    ]),
  );
}

/** The change of every figure from an earlier report to this one, per server. */
export function compareTable(old: LoadReport, now: LoadReport): string {
  const kinds = SERVER_KINDS.filter((k) => old.results[k] && now.results[k]);
  const header = ['figure', ...kinds.flatMap((k) => [`${k} before`, `${k} now`, 'now/before'])];
  return table(
    header,
    ROWS.map(({ label, key, digits }) => [
      label,
      ...kinds.flatMap((k) => [format(old.results[k]?.[key], digits), format(now.results[k]?.[key], digits), ratio(now.results[k]?.[key], old.results[k]?.[key])]),
    ]),
  );
}

/** Every ramp step of every server, then the highest passing rates and their ratio. */
export function rampTable(ramp: Partial<Record<ServerKind, RampResult>>): string {
  const kinds = SERVER_KINDS.filter((k) => ramp[k]);
  const rates = [...new Set(kinds.flatMap((k) => ramp[k]!.steps.map((s) => s.rate)))].sort((a, b) => a - b);
  const rows = rates.map((rate) => [
    `${rate}`,
    ...kinds.flatMap((k) => {
      const step = ramp[k]!.steps.find((s) => s.rate === rate);
      if (!step) return ['-', '-', '-'];
      return [format(step.figures.entriesPerSecond, 0), format(step.figures.latencyP99Ms, 1), step.passed ? 'pass' : 'FAIL'];
    }),
  ]);
  const highest = kinds.map((k) => `${k} ${ramp[k]!.highestRate}/s`).join(', ');
  const both = ramp.ours && ramp.baseline ? `, ours/baseline ${ratio(ramp.ours.highestRate, ramp.baseline.highestRate)}` : '';
  return (
    table(['rate/s', ...kinds.flatMap((k) => [`${k} ingested/s`, `${k} p99 ms`, k])], rows) +
    `\nhighest rate with p99 < 1 s and >= 90% ingested: ${highest}${both}`
  );
}
