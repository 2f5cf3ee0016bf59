/** The benchmarks `npm run bench -- <name>` runs, by name: each module parses its own options (bench/options.ts). */
export const BENCHMARKS: Readonly<Record<string, string>> = Object.freeze({
  ingest: './ingest.js',
  parse: './x509-parse.js',
  match: './match.js',
  load: './load.js',
  hot: './hot-paths.js',
  soak: './soak.js',
  history: './history-memory.js',
  footprint: './footprint.js',
  cluster: './cluster.js',
  dedupe: './dedupe-memory.js',
});
