/**
 * Writes the protocol's JSON Schema files into protocol/ (`npm run protocol`), or with --check only
 * reports, exiting 1, which files are out of date.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSchemaFiles } from './json-schema.js';

/** protocol/ at the project root; this file runs as dist/src/protocol/generate.js. */
export const protocolDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'protocol');

function main(checkOnly: boolean): number {
  let stale = 0;
  for (const [name, content] of Object.entries(renderSchemaFiles())) {
    const path = join(protocolDir, name);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (current === content) continue;
    stale++;
    if (checkOnly) {
      console.error(`${path} is out of date: run npm run protocol`);
    } else {
      writeFileSync(path, content);
      console.log(`wrote ${path}`);
    }
  }
  if (stale === 0) console.log('protocol schemas are up to date');
  return checkOnly && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.includes('--check'));
