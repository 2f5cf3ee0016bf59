/**
 * certstream-ts as the server under test: the real Ingest following the simulator's log list and
 * the real StreamServer (uWS, one serialization per channel, filters in the router).
 *
 *   node dist/bench/load/ours-server.js --log-list URL [--max-backpressure BYTES] [--poll-interval MS]
 */
import { startStandalone } from '../../src/app/standalone.js';
import { benchUsageError, parseBenchArgs } from '../options.js';
import { followerOptionsFrom, reportToParent, SERVER_ARGS } from './server-child.js';

const values = parseBenchArgs({ name: 'load', summary: 'certstream-ts as the server under test of the load benchmark (run by it)', options: SERVER_ARGS });
const logList = values['log-list'] ?? benchUsageError('load', '--log-list is required');

// Wired as `serve` wires it (src/app/), with bench limits.
const { ingest, server } = await startStandalone({
  ingest: { logList, stateDir: null, follower: followerOptionsFrom(values) },
  server: {
    host: '127.0.0.1',
    port: 0,
    maxBackpressure: values['max-backpressure'],
    // Every bench client comes from 127.0.0.1: the per-IP limit would cap the 10,000-client scenarios.
    maxConnectionsPerIp: 1_000_000,
  },
});
let entries = 0;
ingest.onEvent(() => entries++);
reportToParent(server.port, () => entries);
