/** The cursor file: saved durably, and an unusable one is refused with a message naming it and what to do. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CursorFileError, CursorStore } from '../../src/ingest/cursor-store.js';

describe('cursor store', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'certstream-cursors-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('saves atomically and reads back what it saved', async () => {
    const store = await CursorStore.open(dir);
    store.set('log-a', 42, 'Log A');
    store.set('log-b', 7);
    await store.flush();
    assert.deepEqual(await readdir(dir), ['cursors.json'], 'no temp file left behind');
    const again = await CursorStore.open(dir);
    assert.equal(again.get('log-a'), 42);
    assert.equal(again.get('log-b'), 7);
  });

  for (const [what, text, problem] of [
    ['empty', '', /it is empty/],
    ['whitespace only', '\n', /it is empty/],
    ['truncated', '{"version":1,"logs":{"a":{"next":4', /not valid JSON, perhaps truncated \(.*JSON.*\)/],
    ['of another shape', '{"version":2,"logs":{}}', /not a cursor file \(version: /],
    ['holding a negative cursor', '{"version":1,"logs":{"a":{"next":-1}}}', /not a cursor file \(logs\.a\.next: /],
  ] as const) {
    it(`refuses a cursor file that is ${what}, naming it and what to do`, async () => {
      const path = join(dir, 'cursors.json');
      await writeFile(path, text);
      const err = await CursorStore.open(dir).then(
        () => assert.fail('opened'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CursorFileError);
      assert.match(err.message, new RegExp(`^cannot use the cursor file ${path.replace(/[.]/g, '\\.')}: `));
      assert.match(err.message, problem);
      assert.match(err.message, /Move it away to start every log at its current head .* or put back a copy from a backup$/);
      assert.equal(await readFile(path, 'utf8'), text, 'the file is left as it was, for the operator');
    });
  }
});
