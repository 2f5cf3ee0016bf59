/**
 * Runs the compiled tests under dist/test with node's test runner, in two phases:
 *   1. every suite, a few files at a time (CONCURRENCY), each file in its own process: unit suites
 *      (`*.unit.test.js`) and integration suites (real servers on loopback port 0, the simulator,
 *      child processes, nats-server, Chromium) alike. The longest suites start first (SLOW_FIRST)
 *      so that the short ones fill in around them.
 *   2. the protocol suites of FALLBACK_SUITES once more on the ws fallback transport
 *      (CERTSTREAM_TRANSPORT=ws), when phase 1 ran them on the native uWebSockets.js.
 * Then it lists every suite that was skipped and why (skipWithout() in test/support/requirements.ts
 * records them; node itself counts a skipped describe as 0 skipped tests).
 *
 * Arguments are substrings of test paths (`node dist/test/run.js router/ server/stream`). Node 20
 * runs 0 tests when given a bare directory, so the files are listed explicitly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SKIP_REPORT_ENV, type SkipRecord } from './support/requirements.js';
import { TRANSPORT_ENV } from '../src/server/transport/index.js';
import { loadNativeUws } from '../src/server/transport/native.js';

const testRoot = dirname(fileURLToPath(import.meta.url));
/** The TypeScript sources of dist/test. */
const sourceRoot = join(testRoot, '..', '..', 'test');
/**
 * Files run at once. Every suite waits on barriers, never on a quiet machine, so two at a time is
 * safe; on 2 cores it halves the run (one integration suite keeps about one core busy). Capped at 4:
 * beyond that, several Chromium and nats-server instances only compete.
 */
const CONCURRENCY = Math.max(1, Number(process.env.CERTSTREAM_TEST_CONCURRENCY) || Math.min(4, availableParallelism()));
/** A test still running after this fails (the longest take ~10 s): a hang must not hold CI to its own limit. */
const TEST_TIMEOUT_MS = 120_000;
/** The longest suites (over 5 s of one core each), started first: a scheduling hint, nothing depends on it. */
const SLOW_FIRST = ['cluster/cluster.', 'web/page.', 'cli/watch.', 'cli/help-and-errors.', 'router/differential.', 'ingest/follow.', 'cli/port-in-use.', 'cli/serve-restart.', 'client/restart.'];
/**
 * Suites that speak the protocol (WebSocket and HTTP streams, limits, eviction, TLS) and so also run
 * on the fallback transport. Left out: suites about the rest of the system.
 */
const FALLBACK_SUITES = ['server/subscriptions.', 'server/stream.', 'server/resume.', 'server/http-streams.', 'server/slow-consumer.', 'server/limits.', 'server/abuse.', 'server/http-abuse.', 'server/tls.'];

/** Compiled test files whose source still exists (tsc leaves renamed or deleted tests behind in dist). */
function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.js') && existsSync(join(sourceRoot, relative(testRoot, path)).replace(/\.js$/, '.ts'))) found.push(path);
  }
  return found.sort();
}

const filter = process.argv.slice(2);
const files = findTests(testRoot).filter(
  (file) => filter.length === 0 || filter.some((f) => relative(testRoot, file).includes(f)),
);
if (files.length === 0) {
  console.error('no test files found under', testRoot);
  process.exit(1);
}

const reportDir = mkdtempSync(join(tmpdir(), 'certstream-test-run-'));
const reportFile = join(reportDir, 'skips.jsonl');

/** Runs one phase; true when every file passed. */
function runPhase(name: string, phaseFiles: string[], concurrency: number, env: Record<string, string> = {}): boolean {
  if (phaseFiles.length === 0) return true;
  console.log(`\n# ${name}: ${phaseFiles.length} files, ${concurrency === 1 ? 'one at a time' : `${concurrency} at a time`}\n`);
  const result = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-reporter=spec', ...phaseFiles],
    { stdio: 'inherit', env: { ...process.env, ...env, [SKIP_REPORT_ENV]: reportFile } },
  );
  return result.status === 0;
}

/** Whether the integration phase ran on native uWS: otherwise every suite already ran on the fallback. */
function nativeTransportRan(): boolean {
  const forced = (process.env[TRANSPORT_ENV] ?? '').trim().toLowerCase();
  if (forced === 'ws') return false;
  try {
    loadNativeUws();
    return true;
  } catch {
    return false;
  }
}

/** Each skipped file with its reasons, once each. */
function skippedSuites(): Map<string, Set<string>> {
  const skipped = new Map<string, Set<string>>();
  let text = '';
  try {
    text = readFileSync(reportFile, 'utf8');
  } catch {
    return skipped; // no suite was skipped
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const { file, reason } = JSON.parse(line) as SkipRecord;
    const reasons = skipped.get(file) ?? new Set<string>();
    reasons.add(reason);
    skipped.set(file, reasons);
  }
  return skipped;
}

const slowRank = (file: string): number => {
  const rank = SLOW_FIRST.findIndex((suite) => relative(testRoot, file).includes(suite));
  return rank === -1 ? SLOW_FIRST.length : rank;
};
const ordered = [...files].sort((a, b) => slowRank(a) - slowRank(b) || a.localeCompare(b));
const suitesPassed = runPhase('suites', ordered, CONCURRENCY);
const fallbackPassed = runPhase(
  'protocol suites on the ws fallback transport',
  nativeTransportRan() ? files.filter((file) => FALLBACK_SUITES.some((suite) => relative(testRoot, file).includes(suite))) : [],
  CONCURRENCY,
  { [TRANSPORT_ENV]: 'ws' },
);

const skipped = skippedSuites();
rmSync(reportDir, { recursive: true, force: true });
console.log(
  `\n# suites: ${suitesPassed ? 'passed' : 'FAILED'}; on the ws fallback: ${fallbackPassed ? 'passed' : 'FAILED'}`,
);
for (const [file, reasons] of skipped) {
  for (const reason of reasons) console.log(`# SKIPPED ${relative(process.cwd(), file)}: ${reason}`);
}
if (skipped.size > 0) console.log(`# ${skipped.size} suite file(s) skipped in full or in part (see above)`);
process.exit(suitesPassed && fallbackPassed ? 0 : 1);
