import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLogList, LogListError, selectLogs } from '../../src/ct/log-list.js';
import { fixturePath, readFixture, sharedFixtures } from '../support/fixtures.js';
import { skipWithout } from '../support/requirements.js';

const key = Buffer.from('not a real key').toString('base64');

function list(logs: object[], tiled: object[] = []): object {
  return { version: '1', operators: [{ name: 'Op', email: [], logs, tiled_logs: tiled }] };
}

function log(id: string, state: object | undefined, extra: object = {}): object {
  return { description: id, log_id: id, key, url: `https://${id}.example/`, mmd: 86400, ...(state ? { state } : {}), ...extra };
}

const ts = { timestamp: '2025-01-01T00:00:00Z' };

describe('log list selection', () => {
  it('follows usable, qualified and readonly logs only', () => {
    const selected = selectLogs(
      list([
        log('usable', { usable: ts }),
        log('qualified', { qualified: ts }),
        log('readonly', { readonly: { ...ts, final_tree_head: { sha256_root_hash: 'x', tree_size: 77 } } }),
        log('pending', { pending: ts }),
        log('retired', { retired: ts }),
        log('rejected', { rejected: ts }),
        log('stateless', undefined),
        log('test-log', { usable: ts }, { log_type: 'test' }),
      ]),
    );
    assert.deepEqual(
      selected.map((l) => l.id),
      ['usable', 'qualified', 'readonly'],
    );
    assert.equal(selected.find((l) => l.id === 'readonly')?.finalTreeSize, 77);
    assert.equal(selected[0]?.api, 'rfc6962');
  });

  it('describes tiled logs by monitoring prefix and checkpoint origin', () => {
    const [tiled] = selectLogs(
      list(
        [],
        [
          {
            description: 'Tiled',
            log_id: 't',
            key,
            submission_url: 'https://log.example.org/2026h1/',
            monitoring_url: 'https://mon.example.org/2026h1',
            mmd: 60,
            state: { usable: ts },
          },
        ],
      ),
    );
    assert.equal(tiled?.api, 'static-ct');
    assert.equal(tiled?.url, 'https://mon.example.org/2026h1/');
    assert.equal(tiled?.listedUrl, 'https://mon.example.org/2026h1', 'as the list spells it, for source.url');
    assert.equal(tiled?.origin, 'log.example.org/2026h1');
  });

  it('rejects invalid lists with a clear LogListError', async () => {
    assert.throws(() => selectLogs({ operators: [{ name: 'x', logs: [{ url: 'nope' }] }] }), LogListError);
    const dir = await mkdtemp(join(tmpdir(), 'loglist-'));
    try {
      await writeFile(join(dir, 'bad.json'), '{"operators": [');
      await assert.rejects(loadLogList(join(dir, 'bad.json')), /not JSON/);
      await assert.rejects(loadLogList(join(dir, 'missing.json')), LogListError);
      await assert.rejects(loadLogList('http://127.0.0.1:1/log_list.json'), /cannot read the log list/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('real log lists', { skip: skipWithout(sharedFixtures) }, () => {
  it('selects the followed logs of log_list.json v80.14', async () => {
    const logs = await loadLogList(fixturePath('loglist/log_list.json'));
    const json = JSON.parse(readFixture('loglist/log_list.json').toString()) as {
      operators: { logs: { state?: object }[]; tiled_logs?: { state?: object }[] }[];
    };
    const all = json.operators.flatMap((o) => [...o.logs, ...(o.tiled_logs ?? [])]);
    const followed = all.filter((l) => l.state && ['usable', 'qualified', 'readonly'].some((s) => s in l.state!));
    assert.equal(logs.length, followed.length);
    assert.ok(logs.some((l) => l.api === 'static-ct' && l.origin === 'log.sycamore.ct.letsencrypt.org/2026h1'));
    assert.ok(logs.some((l) => l.api === 'rfc6962' && l.url === 'https://ct.googleapis.com/logs/us1/argon2025h2/'));
    assert.ok(logs.filter((l) => l.finalTreeSize !== undefined).length > 0, 'readonly logs carry their final size');
  });

  it('skips test, monitoring-only, rejected and state-less logs of all_logs_list.json', async () => {
    const logs = await loadLogList(fixturePath('loglist/all_logs_list.json'));
    assert.ok(logs.length > 0);
    assert.ok(logs.every((l) => !/bogus/i.test(l.url)));
  });
});
