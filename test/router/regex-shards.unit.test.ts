import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import RE2 from 're2';
import { RegexShards, anchoredAtStart } from '../../src/router/regex-shards.js';

function matched(shards: RegexShards, text: string): number[] {
  const ids: number[] = [];
  shards.match(Buffer.from(text), { onRegex: (id) => ids.push(id) });
  return ids.sort((a, b) => a - b);
}

describe('RegexShards', () => {
  it('matches pending patterns one by one, then from the shards', () => {
    const shards = new RegexShards();
    const patterns = ['^a', 'b$', '^[0-9]+\\.', 'x.*y'];
    patterns.forEach((p, id) => shards.add(id, p, new RE2(p, 'u')));
    shards.refresh(); // fewer than the batch size: still pending
    assert.equal(shards.stats().pending, 4);
    assert.deepEqual(matched(shards, 'ab'), [0, 1]);
    shards.flush();
    assert.deepEqual(shards.stats(), { patterns: 4, shards: 2, pending: 0, compiles: 2 });
    assert.deepEqual(matched(shards, 'ab'), [0, 1]);
    assert.deepEqual(matched(shards, '12.xzy'), [2, 3]);
    shards.remove(0);
    shards.remove(3);
    assert.deepEqual(matched(shards, 'ab'), [1], 'removed patterns are ignored before any recompile');
    assert.deepEqual(matched(shards, '12.xzy'), [2]);
    shards.flush();
    assert.deepEqual(shards.stats().shards, 2);
  });

  it('splits a shard whose patterns RE2 cannot compile together', () => {
    const shards = new RegexShards();
    // Each compiles alone, but hundreds exceed RE2's program budget for one Set.
    const patterns = Array.from({ length: 300 }, (_, i) => `^n${i}x[a-zA-Z0-9]{400}\\.`);
    patterns.forEach((p, id) => shards.add(id, p, new RE2(p, 'u')));
    shards.flush();
    const { shards: count, compiles } = shards.stats();
    assert.ok(count > 1 && compiles > count, `split into ${count} shards after ${compiles} compiles`);
    assert.deepEqual(matched(shards, `n7x${'a'.repeat(400)}.`), [7]);
    assert.deepEqual(matched(shards, `n299x${'Z'.repeat(400)}.`), [299]);
    assert.deepEqual(matched(shards, `n299x${'Z'.repeat(399)}.`), []);
  });

  it('tells start-anchored patterns apart (which only decides shard sizes)', () => {
    for (const p of ['^abc', '\\Aabc', '^a|^b', '^(a|b)c', '^[|]x', '^a\\|b']) assert.ok(anchoredAtStart(p), p);
    for (const p of ['abc', '^a|b', '(?m)^a', 'a^', '[^a]', '(^a)']) assert.ok(!anchoredAtStart(p), p);
  });
});
