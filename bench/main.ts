/**
 * `npm run bench -- <name> [options]`: runs one benchmark of bench/ (each is also runnable alone
 * as `node dist/bench/<name>.js`); `npm run bench -- <name> --help` lists its options.
 *
 *   ingest  the real ingest catching up on simulated logs over loopback (entries/s, CPU per entry)
 *   parse   certificate parsing: our DER walker vs node:crypto vs pkijs (µs per certificate)
 *   match   filter matching with 10 / 1,000 / 10,000 filters (ns per certificate)
 *   hot     leaf and tile decoding, event building, serialization per channel (ns per operation)
 *   load    the whole path under load, ours vs a `ws` baseline side by side (see bench/load.ts)
 *   history memory per event kept in the resume history (see bench/history-memory.ts)
 *   footprint  RSS of `serve` with its defaults, without history, and of certstream-server-go, side by side
 *   soak    ours for 30 minutes with churning clients, sampling its memory (see bench/soak.ts)
 *   dedupe  memory of the de-duplication window at 1,000 new certificates/s over more than its hour (see bench/dedupe-memory.ts)
 *   cluster publish, edge intake and NATS cost per entry on a real nats-server (see bench/cluster.ts)
 */
import { BENCHMARKS } from './benchmarks.js';

const [name, ...rest] = process.argv.slice(2);
const usage = `usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]   (npm run bench -- <name> --help lists its options)`;
if (name === '--help' || name === '-h') {
  console.log(usage);
  process.exit(0);
}
const module = name === undefined ? undefined : BENCHMARKS[name];
if (module === undefined) {
  console.error(name === undefined ? usage : `bench: unknown benchmark "${name}"; ${usage}`);
  process.exit(2);
}
// The benchmarks read their own options from argv, after the name.
process.argv = [process.argv[0]!, process.argv[1]!, ...rest];
await import(module);
