/** `certstream-ts demo` (`npm run demo`): the simulator and the server together, no internet needed. */
import type { Command } from 'commander';
import { serveDefaults } from '../config/serve-schema.js';
import { exitIfListenError, runUntilSignalled, startServe, type RunningServer } from './serve.js';
import { intOption } from './options.js';

interface DemoOptions {
  port: number;
  rate: number;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start a simulated CT log and a server following it, for trying certstream-ts offline')
    .option('--port <port>', 'port for the WebSocket server', intOption(0, 65535), 8080)
    .option('--rate <entries>', 'simulated entries per second', intOption(1), 20)
    .action(async (options: DemoOptions) => {
      const { startSimulator } = await import('../sim/simulator.js'); // loaded only when simulating
      const sim = await startSimulator({ rate: options.rate });
      let running: RunningServer;
      try {
        running = await startServe({
          ...serveDefaults(),
          logList: sim.logListUrl,
          host: '127.0.0.1',
          port: options.port,
          // The simulated logs are new trees on each start, so saved cursors would mean nothing.
          stateDir: null,
          pollInterval: 1_000,
          logLevel: 'warn',
        });
      } catch (err) {
        await sim.close();
        exitIfListenError(err);
        throw err;
      }
      const base = `127.0.0.1:${running.server.port}`;
      console.log(`certstream-ts demo: simulated CT logs at ${sim.logListUrl}`);
      console.log(`open http://${base}/ in a browser for the live page, or ws://${base}/ (lite), ws://${base}/full-stream, ws://${base}/domains-only`);
      console.log(`e.g.  curl -sN 'http://${base}/domains-only' -H 'Accept: application/x-ndjson' | jq -c .data`);
      console.log(`      npx wscat -c ws://${base}/domains-only     (http://${base}/example.json shows one message)`);
      await runUntilSignalled(running);
      await sim.close();
      process.exit(0);
    });
}
