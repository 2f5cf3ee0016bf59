/** Every option of `certstream-ts simulate`, defined once like serve's (env vars CERTSTREAM_SIM_*). */
import { z } from 'zod';
import { numberAtLeast, text, wholeNumber, yesNo } from './fields.js';
import { option } from './option.js';

/** Its own prefix, so a simulator and a server can share an environment without taking each other's port. */
export const SIMULATE_ENV_PREFIX = 'CERTSTREAM_SIM_';

export const simulateConfigSchema = z.strictObject({
  host: option(text().default('127.0.0.1'), { description: 'address to listen on', valueName: 'host' }),
  port: option(wholeNumber(0, 65535).default(8081), { description: 'port to listen on (0 = any free port)', valueName: 'port' }),
  rfc6962Logs: option(wholeNumber(0, 100).default(3), { description: 'number of RFC 6962 logs', valueName: 'n' }),
  tiledLogs: option(wholeNumber(0, 100).default(2), { description: 'number of static-ct-api (tiled) logs', valueName: 'n' }),
  rate: option(numberAtLeast(0).default(20), { description: 'entries per second, summed over all logs', valueName: 'entries' }),
  batchLimit: option(wholeNumber(1, 100_000).optional(), {
    description: "get-entries limit of every RFC 6962 log (unset: each log family's real limit: 32/256/1000)",
    valueName: 'n',
  }),
  seed: option(text().optional(), { description: 'seed for reproducible names and entry mix', valueName: 'seed' }),
  certsDir: option(text().optional(), { description: 'folder of real certificates (PEM or DER) to mix into the logs', valueName: 'dir' }),
  publicUrl: option(text().optional(), { description: 'base URL to advertise in the log list (when binding 0.0.0.0)', valueName: 'url' }),
  sthInterval: option(wholeNumber(1).default(1000), { description: 'minimum ms between tree heads of a growing log', valueName: 'ms' }),
  alwaysGzip: option(yesNo().default(false), { description: 'gzip data tiles even when the client does not ask' }),
  deletePartialTiles: option(yesNo().default(false), { description: 'answer 404 for partial tiles once the full tile exists' }),
  initialEntries: option(wholeNumber(0, 10_000_000).default(0), { description: 'entries in every log at start', valueName: 'n' }),
});

export type SimulateConfig = z.output<typeof simulateConfigSchema>;
