/**
 * Runs every compiled test file under dist/test with node's test runner. Node 20 runs 0 tests when
 * given a bare directory, so the files are listed explicitly.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const testRoot = dirname(fileURLToPath(import.meta.url));

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.js')) found.push(path);
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
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
