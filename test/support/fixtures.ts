/**
 * Locates the shared real-CT fixtures (`../shared/fixtures` beside the project). They exist in CI
 * but not in a user's clone, so tests that need them skip with this message when absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of the shared fixtures folder, or null when it is not there. */
export const sharedFixturesDir: string | null = (() => {
  const dir = process.env.CERTSTREAM_SHARED_FIXTURES ?? join(projectRoot, '..', 'shared', 'fixtures');
  return existsSync(dir) ? dir : null;
})();

/** `skip` option for node:test: false when fixtures exist, else a message saying why. */
export const skipWithoutFixtures: string | false = sharedFixturesDir
  ? false
  : 'shared fixtures not found (../shared/fixtures): real-CT-data tests skipped';

/** Path inside the shared fixtures; only call from tests guarded by skipWithoutFixtures. */
export function fixturePath(...parts: string[]): string {
  if (!sharedFixturesDir) throw new Error(String(skipWithoutFixtures));
  return join(sharedFixturesDir, ...parts);
}

export function readFixture(...parts: string[]): Buffer {
  return readFileSync(fixturePath(...parts));
}
