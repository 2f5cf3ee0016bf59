/**
 * The ramp: raises the entry rate step by step until the server fails, and reports the highest rate
 * that passed. A step passes when p99 latency is under 1 s and the server ingested at least 90% of
 * the offered rate (a server that falls behind the log would otherwise look fast: latency is
 * measured from the ingest's read, see bench/RESULTS.md).
 */
import type { ClientSpec } from './client-worker.js';
import type { ServerKind } from './processes.js';
import { runOne, type RunFigures } from './run.js';
import type { Scenario } from './scenarios.js';

export interface RampStep {
  rate: number;
  passed: boolean;
  figures: RunFigures;
}

export interface RampResult {
  steps: RampStep[];
  /** The highest passing rate, 0 when even the first step failed. */
  highestRate: number;
}

const GROWTH = 1.5;
const MAX_STEPS = 10;

export function stepPassed(rate: number, figures: RunFigures): boolean {
  return figures.latencyP99Ms !== null && figures.latencyP99Ms < 1000 && figures.entriesPerSecond >= 0.9 * rate;
}

export async function ramp(
  kind: ServerKind,
  scenario: Scenario,
  clients: ClientSpec[],
  maxBackpressure: number,
  progress: (line: string) => void,
): Promise<RampResult> {
  const steps: RampStep[] = [];
  let rate = scenario.rate;
  for (let i = 0; i < MAX_STEPS; i++) {
    const figures = await runOne({ kind, scenario: { ...scenario, rate }, clients, maxBackpressure, progress: (line) => progress(`ramp ${rate}/s, ${line}`) });
    const passed = stepPassed(rate, figures);
    steps.push({ rate, passed, figures });
    if (!passed) break;
    rate = Math.round(rate * GROWTH);
  }
  const highestRate = Math.max(0, ...steps.filter((s) => s.passed).map((s) => s.rate));
  return { steps, highestRate };
}
