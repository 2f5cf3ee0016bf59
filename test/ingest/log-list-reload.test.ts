/** The ingest re-reads its log list and starts or stops followers as logs come and go. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ingest } from '../../src/ingest/ingest.js';
import { startSimulator } from '../../src/sim/simulator.js';
import type { Logger } from '../../src/util/logger.js';
import { waitFor } from '../support/wait.js';

interface ListJson {
  operators: { logs: { state?: object }[]; tiled_logs?: { state?: object }[] }[];
}

const REFRESH_FAILED = 'log list refresh failed; keeping the current logs';

/** A logger that keeps the warning messages: a failed refresh is only visible there. */
function warningLogger(warnings: string[]): Logger {
  const logger: Logger = { debug() {}, info() {}, warn: (_fields, msg) => void warnings.push(msg), error() {}, child: () => logger };
  return logger;
}

describe('log list refresh', () => {
  it('stops followers of logs that leave the list and starts new ones', async () => {
    const sim = await startSimulator({ seed: 'reload', rfc6962Logs: 2, tiledLogs: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'certstream-reload-'));
    const file = join(dir, 'log_list.json');
    const full = (await (await fetch(sim.logListUrl)).json()) as ListJson;
    const withoutTiled: ListJson = { ...full, operators: full.operators.map((o) => ({ ...o, tiled_logs: [] })) };
    await writeFile(file, JSON.stringify(withoutTiled));
    const warnings: string[] = [];
    const failedRefreshes = (): number => warnings.filter((m) => m === REFRESH_FAILED).length;
    const ingest = new Ingest({ logList: file, stateDir: null, logListRefreshMs: 100, follower: { pollIntervalMs: 50 }, logger: warningLogger(warnings) });
    try {
      await ingest.start();
      assert.deepEqual(ingest.status().map((s) => s.api), ['rfc6962', 'rfc6962']);

      await writeFile(file, JSON.stringify(full));
      await waitFor('the tiled log to be followed', () => ingest.status().some((s) => s.api === 'static-ct'));

      // The first RFC 6962 log is retired: it must be dropped at the next refresh.
      const retired: ListJson = JSON.parse(JSON.stringify(full)) as ListJson;
      const firstOperatorWithLogs = retired.operators.find((o) => o.logs.length > 0)!;
      firstOperatorWithLogs.logs[0]!.state = { retired: { timestamp: '2026-01-01T00:00:00Z' } };
      await writeFile(file, JSON.stringify(retired));
      await waitFor('the retired log to be dropped', () => ingest.status().length === 2);

      // A broken list keeps the current followers. Two failed refreshes after the write: at least
      // one of them read the whole broken file (not one caught halfway through an earlier write).
      await writeFile(file, '{"operators": "nope"}');
      const failedBefore = failedRefreshes();
      await waitFor('refreshes of the broken list', () => failedRefreshes() >= failedBefore + 2);
      assert.equal(ingest.status().length, 2);
    } finally {
      await ingest.stop();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
