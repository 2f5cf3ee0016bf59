/**
 * `npm run docs`: rewrites the generated tables of README.md and protocol/README.md (src/cli/readme.ts),
 * or with --check only reports, exiting 1, which are out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_SECTIONS, withSection } from './readme.js';

/** The project root; this file runs as dist/src/cli/docs.js. */
const root = fileURLToPath(new URL('../../../', import.meta.url));

let stale = 0;
const check = process.argv.includes('--check');
for (const section of GENERATED_SECTIONS) {
  const path = join(root, section.file);
  const current = readFileSync(path, 'utf8');
  const updated = withSection(current, section.name, section.render());
  if (updated === current) continue;
  stale++;
  if (check) console.error(`${section.file}: the ${section.name} table is out of date: run npm run docs`);
  else {
    writeFileSync(path, updated);
    console.log(`wrote the ${section.name} table of ${section.file}`);
  }
}
if (stale === 0) console.log('generated README tables are up to date');
process.exitCode = check && stale > 0 ? 1 : 0;
