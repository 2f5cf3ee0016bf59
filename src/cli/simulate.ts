/** `certstream-ts simulate`: run local CT logs (RFC 6962 and static-ct-api) for tests, benches and demos. */
import type { Command } from 'commander';
import { startSimulator } from '../sim/simulator.js';
import { floatOption, intOption } from './options.js';
import { untilStopSignal } from '../util/signals.js';

interface SimulateOptions {
  host: string;
  port: number;
  rfc6962Logs: number;
  tiledLogs: number;
  rate: number;
  batchLimit?: number;
  seed?: string;
  certsDir?: string;
  publicUrl?: string;
  sthInterval: number;
  alwaysGzip: boolean;
  deletePartialTiles: boolean;
  initialEntries: number;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('serve simulated CT logs with a v3 log list, growing at a steady rate, with fault injection at POST /admin/faults')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', intOption(0, 65535), 8081)
    .option('--rfc6962-logs <n>', 'number of RFC 6962 logs', intOption(0, 100), 3)
    .option('--tiled-logs <n>', 'number of static-ct-api (tiled) logs', intOption(0, 100), 2)
    .option('--rate <entries>', 'entries per second, summed over all logs', floatOption(0), 20)
    .option('--batch-limit <n>', "get-entries limit of every RFC 6962 log (default: each log family's real limit: 32/256/1000)", intOption(1, 100_000))
    .option('--seed <seed>', 'seed for reproducible names and entry mix')
    .option('--certs-dir <dir>', 'folder of real certificates (PEM or DER) to mix into the logs')
    .option('--public-url <url>', 'base URL to advertise in the log list (when binding 0.0.0.0)')
    .option('--sth-interval <ms>', 'minimum ms between tree heads of a growing log', intOption(1), 1000)
    .option('--always-gzip', 'gzip data tiles even when the client does not ask', false)
    .option('--delete-partial-tiles', 'answer 404 for partial tiles once the full tile exists', false)
    .option('--initial-entries <n>', 'entries in every log at start', intOption(0, 10_000_000), 0)
    .action(async (options: SimulateOptions) => {
      const sim = await startSimulator({
        host: options.host,
        port: options.port,
        rfc6962Logs: options.rfc6962Logs,
        tiledLogs: options.tiledLogs,
        rate: options.rate,
        sthIntervalMs: options.sthInterval,
        checkpointIntervalMs: options.sthInterval,
        alwaysGzip: options.alwaysGzip,
        deletePartialTiles: options.deletePartialTiles,
        initialEntries: options.initialEntries,
        ...(options.batchLimit !== undefined ? { batchLimit: options.batchLimit } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.certsDir !== undefined ? { certsDir: options.certsDir } : {}),
        ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
      });
      console.log(`certstream-ts simulate: log list at ${sim.logListUrl}`);
      for (const log of sim.logs) {
        const where = log.api === 'rfc6962' ? log.urls.url : `${log.urls.monitoringUrl} (submission ${log.urls.url})`;
        console.log(`  ${log.api.padEnd(9)} ${log.config.description}: ${where}`);
      }
      console.log(`faults: curl -X POST ${sim.url}admin/faults -d '{"log":"*","faults":{"serverError":{"count":5}}}'`);
      await untilStopSignal();
      await sim.close();
    });
}
