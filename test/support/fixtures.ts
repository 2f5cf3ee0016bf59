/**
 * Locates the shared real-CT fixtures (`../shared/fixtures` beside the project). They exist in CI
 * but not in a user's clone, so tests that need them skip (skipWithout(sharedFixtures)) when absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Requirement } from './requirements.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of the shared fixtures folder, or null when it is not there. */
export const sharedFixturesDir: string | null = (() => {
  const dir = process.env.CERTSTREAM_SHARED_FIXTURES ?? join(projectRoot, '..', 'shared', 'fixtures');
  return existsSync(dir) ? dir : null;
})();

/** For skipWithout(): the real-CT-data suites need the fixtures. */
export const sharedFixtures: Requirement = {
  missing: sharedFixturesDir ? false : 'shared fixtures not found (../shared/fixtures beside the project, or CERTSTREAM_SHARED_FIXTURES)',
};

/** Path inside the shared fixtures; only call from tests skipped without sharedFixtures. */
export function fixturePath(...parts: string[]): string {
  if (!sharedFixturesDir) throw new Error(String(sharedFixtures.missing));
  return join(sharedFixturesDir, ...parts);
}

export function readFixture(...parts: string[]): Buffer {
  return readFileSync(fixturePath(...parts));
}
