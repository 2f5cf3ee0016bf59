/** `certstream-ts demo` (`npm run demo`): the simulator and the server together, no internet needed. */
import type { Command } from 'commander';
import { addConfigOptions, loadConfigOrExit } from '../config/commander.js';
import { DEMO_ENV_PREFIX, demoConfigSchema } from '../config/demo-schema.js';
import { serveDefaults } from '../config/serve-schema.js';
import type { RunningServer } from './serve-run.js';

export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .description('start a simulated CT log and a server following it, for trying certstream-ts offline');
  addConfigOptions(command, demoConfigSchema, DEMO_ENV_PREFIX).action(async (flags: Record<string, unknown>) => {
    const options = loadConfigOrExit('demo', demoConfigSchema, DEMO_ENV_PREFIX, flags);
    // Loaded only once the options are valid, like serve's (serve.ts).
    const { startSimulator } = await import('../sim/simulator.js');
    const { exitIfListenError, runUntilSignalled, startServe } = await import('./serve-run.js');
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
      exitIfListenError(err, 'demo');
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
