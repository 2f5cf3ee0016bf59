/** Every option of `certstream-ts demo`, defined once like serve's (env vars CERTSTREAM_DEMO_*). */
import { z } from 'zod';
import { wholeNumber } from './fields.js';
import { option } from './option.js';

/** Its own prefix, so a demo does not pick up a real server's CERTSTREAM_PORT. */
export const DEMO_ENV_PREFIX = 'CERTSTREAM_DEMO_';

export const demoConfigSchema = z.strictObject({
  port: option(wholeNumber(0, 65535).default(8080), { description: 'port for the WebSocket server (0 = any free port)', valueName: 'port' }),
  rate: option(wholeNumber(1).default(20), { description: 'simulated entries per second', valueName: 'entries' }),
});
