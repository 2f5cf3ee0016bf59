/** The pino-backed logger: JSON lines with a level label, an ISO time and a serialized error. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/util/logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('writes JSON lines with level label, ISO time, bindings and err', () => {
    const out = capture();
    const log = createLogger('info', { format: 'json', stream: out.stream }).child({ log: 'argon' });
    log.debug({}, 'hidden below info');
    log.warn({ err: new Error('boom'), next: 5 }, 'fetch failed');
    assert.equal(out.lines.length, 1);
    const entry = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    assert.equal(entry.level, 'warn');
    assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(entry.log, 'argon');
    assert.equal(entry.next, 5);
    assert.equal(entry.msg, 'fetch failed');
    const err = entry.err as Record<string, unknown>;
    assert.equal(err.message, 'boom');
    assert.match(String(err.stack), /Error: boom/);
  });

  it('writes readable lines without colour when asked for pretty output off a terminal', () => {
    const out = capture();
    createLogger('info', { format: 'pretty', stream: out.stream, isTTY: false }).info({ port: 8080 }, 'listening');
    const text = out.lines.join('\n');
    assert.match(text, /INFO.*listening/);
    assert.match(text, /port: 8080/);
    assert.ok(!text.includes('\u001b['), 'no colour codes');
  });

  it('picks JSON for auto off a terminal', () => {
    const out = capture();
    createLogger('info', { format: 'auto', stream: out.stream, isTTY: false }).info({}, 'hello');
    assert.equal((JSON.parse(out.lines[0]!) as { msg: string }).msg, 'hello');
  });
});
