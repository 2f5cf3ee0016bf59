/** The README tables generated from the schemas (src/cli/readme.ts) are what the committed files hold. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { GENERATED_SECTIONS, serveOptionsTable, withSection } from '../../src/cli/readme.js';
import { defaultText, describeOptions } from '../../src/config/option.js';
import { SERVE_ENV_PREFIX, serveConfigSchema } from '../../src/config/serve-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('generated README tables', () => {
  for (const section of GENERATED_SECTIONS) {
    it(`${section.file}: the ${section.name} table is up to date (else: npm run docs)`, () => {
      const committed = readFileSync(join(root, section.file), 'utf8');
      assert.ok(withSection(committed, section.name, section.render()) === committed, `${section.file} is stale: run \`npm run docs\``);
    });
  }

  it('lists every serve option with its flag, env var and default', () => {
    const table = serveOptionsTable();
    for (const option of describeOptions(serveConfigSchema, SERVE_ENV_PREFIX)) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${option.flag} `) || line.startsWith(`| \`${option.flag}\``));
      assert.ok(row, `${option.flag} has a row`);
      assert.ok(row.includes(`\`${option.env}\``), `${option.flag}: env var`);
      assert.ok(row.includes(defaultText(option) ?? 'unset'), `${option.flag}: default`);
    }
  });

  it('notices a stale table, and missing markers', () => {
    const text = 'a\n<!-- generated:t by npm run docs, do not edit -->\nold\n<!-- end generated:t -->\nb\n';
    assert.equal(withSection(text, 't', 'new'), text.replace('old', 'new'));
    assert.notEqual(withSection(text, 't', 'new'), text);
    assert.throws(() => withSection('no markers', 't', 'x'), /markers of the generated section t not found/);
  });
});
