#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `certstream-ts` command: one binary, one subcommand per role. V8's young generation is capped
 * at 2 x 4 MB (the default grows to 2 x 16 MB): a stream server's garbage dies young, so scavenges stay
 * cheap, and the process needs ~15 MB less (bench/RESULTS.md, "Footprint"). `npm start` passes the same.
 */
import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Each subcommand's module, loaded only when that subcommand runs (or for the full help): `serve`
 * then never loads the client library, the simulator or the NATS client it does not use.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./serve.js')).registerServeCommand,
  simulate: async () => (await import('./simulate.js')).registerSimulateCommand,
  demo: async () => (await import('./demo.js')).registerDemoCommand,
  watch: async () => (await import('./watch.js')).registerWatchCommand,
};

const program = new Command('certstream-ts')
  .description('Certificate Transparency streaming server (CertStream-compatible)')
  .showHelpAfterError();
const named = process.argv[2] === undefined ? undefined : COMMANDS[process.argv[2]];
for (const load of named ? [named] : Object.values(COMMANDS)) (await load())(program);

program.parseAsync().catch((err: unknown) => {
  console.error(`certstream-ts: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
