/**
 * What some suites need beyond the repository (the shared fixtures, Debian packages), and the one
 * way to skip a suite that lacks it: skipWithout(). It records the reason, so that test/run.ts
 * lists every skipped suite at the end (node counts a skipped describe as 0 skipped tests). With
 * CERTSTREAM_REQUIRE_ALL_SUITES=1 (set by .ci/run, which installs everything) a missing
 * requirement fails the file instead of skipping it.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';

export interface Requirement {
  /** Why suites needing it cannot run (and how to fix that), or false when it is there. */
  readonly missing: string | false;
}

/** Set by test/run.ts: a file that collects one JSON line per skip. */
export const SKIP_REPORT_ENV = 'CERTSTREAM_SKIP_REPORT';
export const REQUIRE_ALL_ENV = 'CERTSTREAM_REQUIRE_ALL_SUITES';

export interface SkipRecord {
  /** Absolute path of the compiled test file. */
  file: string;
  reason: string;
}

/** A requirement met when `path` exists. */
export function fileRequirement(path: string, missing: string): Requirement {
  return { missing: existsSync(path) ? false : missing };
}

/** The test file running in this process (node --test runs each file in its own process). */
function currentTestFile(): string {
  return resolve(process.argv[1] ?? '(unknown test file)');
}

/**
 * The `skip` option of a suite (or test) that needs `requirements`: false when all are met, else
 * the reason, recorded for the run's summary. Throws when CERTSTREAM_REQUIRE_ALL_SUITES is set.
 */
export function skipWithout(...requirements: Requirement[]): string | false {
  const reasons = requirements.flatMap((r) => (r.missing ? [r.missing] : []));
  if (reasons.length === 0) return false;
  const reason = reasons.join('; ');
  const file = currentTestFile();
  if (process.env[REQUIRE_ALL_ENV] === '1') {
    throw new Error(`${REQUIRE_ALL_ENV}=1 but ${file} would be skipped: ${reason}`);
  }
  const report = process.env[SKIP_REPORT_ENV];
  const record: SkipRecord = { file, reason };
  if (report) appendFileSync(report, `${JSON.stringify(record)}\n`);
  else console.log(`# SKIPPED ${relative(process.cwd(), file)}: ${reason}`);
  return reason;
}
