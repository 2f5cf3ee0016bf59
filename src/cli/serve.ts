/** `certstream-ts serve`: follow the CT logs and stream every certificate to WebSocket clients. */
import type { Command } from 'commander';
import { addConfigOptions, loadConfigOrExit } from '../config/commander.js';
import { SERVE_ENV_PREFIX, serveConfigSchema } from '../config/serve-schema.js';

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('follow the CT logs of a log list and stream their certificates over WebSockets');
  addConfigOptions(command, serveConfigSchema, SERVE_ENV_PREFIX).action(async (flags: Record<string, unknown>) => {
    const options = loadConfigOrExit('serve', serveConfigSchema, SERVE_ENV_PREFIX, flags);
    // The server's modules are loaded only now: --help and bad flags answer in a fraction of the time.
    const { runServe } = await import('./serve-run.js');
    await runServe(options);
  });
}
