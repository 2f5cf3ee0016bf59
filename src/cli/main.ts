#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=4
/**
 * The `certstream-ts` command: one binary, one subcommand per role. V8's young generation is capped
 * at 2 x 4 MB (the default grows to 2 x 16 MB): a stream server's garbage dies young, so scavenges stay
 * cheap, and the process needs ~15 MB less (bench/RESULTS.md, "Footprint"). glibc gets 2 malloc
 * arenas instead of one per thread that allocates, and a fixed 128 KiB mmap and trim threshold (its
 * default threshold grows after big frees, so socket buffers freed after a burst stay resident):
 * ~30 MB less resident with 100 clients. `npm start` passes the same.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { exitWithError, oneLineErrors } from '../config/commander.js';

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

/** The package's version, read when asked for: package.json is three folders up from dist/src/cli/. */
function packageVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const first = process.argv[2];
const program = oneLineErrors(new Command('certstream-ts'))
  .description('Certificate Transparency streaming server (CertStream-compatible)')
  .version(packageVersion(), '-V, --version', 'print the version and exit');
// --version is answered without loading any subcommand module (uWS, NATS...).
if (first !== '-V' && first !== '--version') {
  const named = first === undefined ? undefined : COMMANDS[first];
  for (const load of named ? [named] : Object.values(COMMANDS)) (await load())(program);
  for (const command of program.commands) oneLineErrors(command, command.name());
}

const commandName = first !== undefined && COMMANDS[first] ? first : undefined;
program.parseAsync().catch((err: unknown) => exitWithError(commandName, err instanceof Error ? err.message : String(err), 1));
