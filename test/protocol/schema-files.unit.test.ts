/**
 * The committed protocol/ files against the zod schemas: the JSON Schema files must be what
 * `npm run protocol` generates, and the specification must cover every error code and limit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { clientMessagesJsonSchema, renderSchemaFiles } from '../../src/protocol/json-schema.js';
import { DEFAULT_PROTOCOL_LIMITS, resolveProtocolLimits } from '../../src/protocol/limits.js';
import { CLOSE_CODES, ERROR_CODES, SERVER_MESSAGE_TYPES } from '../../src/protocol/server-messages.js';
import { CLIENT_MESSAGE_TYPES } from '../../src/protocol/client-messages.js';

const protocolDir = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'protocol');

describe('protocol/ files', () => {
  for (const [name, expected] of Object.entries(renderSchemaFiles())) {
    it(`${name} is up to date with the zod schemas (else: npm run protocol)`, () => {
      const committed = readFileSync(join(protocolDir, name), 'utf8');
      assert.ok(committed === expected, `protocol/${name} is out of date with src/protocol: run \`npm run protocol\``);
    });
  }

  it('the client JSON Schema follows configured limits', () => {
    const text = JSON.stringify(clientMessagesJsonSchema(resolveProtocolLimits({ maxKeywords: 7 })));
    assert.match(text, /"maxItems":7/);
    assert.doesNotMatch(text, /"maxItems":256/);
  });

  it('README.md documents every error code, message type, limit and close code', () => {
    const spec = readFileSync(join(protocolDir, 'README.md'), 'utf8');
    for (const code of ERROR_CODES) assert.match(spec, new RegExp(`\\| \`${code}\` \\|`), `error code ${code} in the table`);
    for (const type of [...SERVER_MESSAGE_TYPES, ...CLIENT_MESSAGE_TYPES]) assert.ok(spec.includes(`"${type}"`), `example of ${type}`);
    for (const [name, value] of Object.entries(DEFAULT_PROTOCOL_LIMITS)) {
      assert.match(spec, new RegExp(`\\| \`${name}\` \\| ${value}\\b`), `limit ${name} with its default ${value}`);
    }
    for (const code of Object.values(CLOSE_CODES)) assert.ok(spec.includes(String(code)), `close code ${code}`);
  });
});
