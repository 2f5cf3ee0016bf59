#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `certstream-ts` command: one binary, one subcommand per role. V8's young generation is capped
 * at 2 x 4 MB (the default grows to 2 x 16 MB): a stream server's garbage dies young, so scavenges stay
 * cheap, and the process needs ~15 MB less (bench/RESULTS.md, "Footprint"). `npm start` passes the same.
 */
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
