/** `certstream-ts simulate`: run local CT logs (RFC 6962 and static-ct-api) for tests, benches and demos. */
import type { Command } from 'commander';
import { addConfigOptions, loadConfigOrExit } from '../config/commander.js';
import { SIMULATE_ENV_PREFIX, simulateConfigSchema } from '../config/simulate-schema.js';
import { untilStopSignal } from '../util/signals.js';

export function registerSimulateCommand(program: Command): void {
  const command = program
    .command('simulate')
    .description('serve simulated CT logs with a v3 log list, growing at a steady rate, with fault injection at POST /admin/faults');
  addConfigOptions(command, simulateConfigSchema, SIMULATE_ENV_PREFIX)
    .action(async (flags: Record<string, unknown>) => {
      const options = loadConfigOrExit('simulate', simulateConfigSchema, SIMULATE_ENV_PREFIX, flags);
      const { startSimulator } = await import('../sim/simulator.js'); // loaded only when simulating
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
