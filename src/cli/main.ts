#!/usr/bin/env node
/** The `certstream-ts` command: one binary, one subcommand per role. */
import { Command } from 'commander';
import { registerServeCommand } from './serve.js';
import { registerSimulateCommand } from './simulate.js';
import { registerDemoCommand } from './demo.js';
import { registerWatchCommand } from './watch.js';

const program = new Command('certstream-ts')
  .description('Certificate Transparency streaming server (CertStream-compatible)')
  .showHelpAfterError();
registerServeCommand(program);
registerSimulateCommand(program);
registerDemoCommand(program);
registerWatchCommand(program);

program.parseAsync().catch((err: unknown) => {
  console.error(`certstream-ts: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
