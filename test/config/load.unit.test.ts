/** loadConfig with the serve schema: precedence of the sources, and problems named by source. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, type ConfigSources } from '../../src/config/load.js';
import { envName, flagName } from '../../src/config/option.js';
import { SIMULATE_ENV_PREFIX, simulateConfigSchema } from '../../src/config/simulate-schema.js';
import { SERVE_ENV_PREFIX, serveConfigSchema, serveDefaults, type ServeConfig } from '../../src/config/serve-schema.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certstream-config-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

async function configFile(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const load = (sources: Partial<ConfigSources>): ServeConfig =>
  loadConfig(serveConfigSchema, SERVE_ENV_PREFIX, { flags: {}, env: {}, ...sources });

/** The problems of a refused config, one per bad value. */
function problemsOf(sources: Partial<ConfigSources>): readonly string[] {
  try {
    load(sources);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('config was accepted');
}

describe('config loading', () => {
  it('derives flag and env names from the camelCase key', () => {
    assert.equal(flagName('maxConnectionsPerIp'), '--max-connections-per-ip');
    assert.equal(envName('CERTSTREAM_', 'maxConnectionsPerIp'), 'CERTSTREAM_MAX_CONNECTIONS_PER_IP');
  });

  it('uses the defaults when no source sets anything', () => {
    const config = load({});
    assert.deepEqual(config, serveDefaults());
    assert.equal(config.port, 8080);
    assert.equal(config.role, 'all');
    assert.equal(config.natsStream, 'CERTSTREAM');
    assert.equal(config.logFormat, 'auto');
    assert.equal(config.nats, undefined);
  });

  it('takes a flag over an env var over the config file over the default', async () => {
    const file = await configFile('all.json', { port: 1001, host: '10.0.0.1', parallelism: 2, role: 'edge' });
    const env = { CERTSTREAM_PORT: '1002', CERTSTREAM_HOST: '10.0.0.2', CERTSTREAM_CONFIG: file };
    const config = load({ flags: { port: '1003' }, env });
    assert.equal(config.port, 1003, 'flag');
    assert.equal(config.host, '10.0.0.2', 'env');
    assert.equal(config.parallelism, 2, 'file');
    assert.equal(config.role, 'edge', 'file');
    assert.equal(config.pollInterval, 2_000, 'default');
  });

  it('reads the config file named by --config before CERTSTREAM_CONFIG', async () => {
    const byFlag = await configFile('flag.json', { port: 2001 });
    const byEnv = await configFile('env.json', { port: 2002 });
    assert.equal(load({ flags: { config: byFlag }, env: { CERTSTREAM_CONFIG: byEnv } }).port, 2001);
    assert.equal(load({ env: { CERTSTREAM_CONFIG: byEnv } }).port, 2002);
  });

  it('passes the cluster options through', () => {
    const config = load({ flags: { nats: 'nats://a:4222,nats://b:4222', role: 'ingest' }, env: { CERTSTREAM_NATS_STREAM: 'CT_1' } });
    assert.equal(config.nats, 'nats://a:4222,nats://b:4222');
    assert.equal(config.role, 'ingest');
    assert.equal(config.natsStream, 'CT_1');
  });

  it('treats an empty env var as unset', () => {
    assert.equal(load({ env: { CERTSTREAM_PORT: '' } }).port, 8080);
  });

  it('names the env var, the flag or the file key of each bad value, all at once', async () => {
    const file = await configFile('bad.json', { pollInterval: 50 });
    assert.deepEqual(
      problemsOf({ flags: { role: 'boss', config: file }, env: { CERTSTREAM_PORT: '65536', CERTSTREAM_LOG_LEVEL: 'loud' } }),
      [
        `${file}: pollInterval: must be a whole number of at least 100`,
        'CERTSTREAM_PORT: must be a whole number between 0 and 65535',
        'CERTSTREAM_LOG_LEVEL: must be one of debug, info, warn, error, silent',
        '--role: must be one of all, ingest, edge',
      ],
    );
  });

  it('rejects text where a number is expected, fractions and bad NATS URLs', () => {
    assert.deepEqual(problemsOf({ flags: { port: 'http' } }), ['--port: must be a whole number between 0 and 65535']);
    assert.deepEqual(problemsOf({ env: { CERTSTREAM_PARALLELISM: '1.5' } }), ['CERTSTREAM_PARALLELISM: must be a whole number between 1 and 64']);
    assert.deepEqual(problemsOf({ flags: { nats: 'http://a:4222' } }), ['--nats: must be nats://host:port, or several separated by commas']);
    assert.deepEqual(problemsOf({ flags: { natsStream: 'a.b' } }), ['--nats-stream: must be letters, digits, "-" or "_"']);
  });

  it('keeps JSON types in the config file: a port given as a string is refused', async () => {
    const file = await configFile('string-port.json', { port: '8080' });
    assert.deepEqual(problemsOf({ flags: { config: file } }), [`${file}: port: must be a whole number between 0 and 65535`]);
  });

  it('rejects unknown keys in the config file (strict)', async () => {
    const file = await configFile('typo.json', { prot: 1 });
    const [problem] = problemsOf({ flags: { config: file } });
    assert.match(problem!, new RegExp(`^${file}: unknown option "prot" \\(known: logList, host, port, `));
  });

  it('reads sizes in bytes with or without a unit, from every source', async () => {
    assert.equal(load({}).historyMemory, 256 * 1024 * 1024);
    assert.equal(load({ flags: { historyMemory: '64MiB' } }).historyMemory, 64 * 1024 * 1024);
    assert.equal(load({ flags: { historyMemory: '1.5 GiB' } }).historyMemory, 1.5 * 1024 ** 3);
    assert.equal(load({ env: { CERTSTREAM_HISTORY_MEMORY: '500MB' } }).historyMemory, 500_000_000);
    assert.equal(load({ env: { CERTSTREAM_HISTORY_MEMORY: '0' } }).historyMemory, 0);
    const file = await configFile('sizes.json', { historyMemory: 1048576 });
    assert.equal(load({ env: { CERTSTREAM_CONFIG: file } }).historyMemory, 1048576);
    const error = 'must be a size in bytes, e.g. 268435456, 256MiB or 1GiB';
    assert.deepEqual(problemsOf({ flags: { historyMemory: 'lots' } }), [`--history-memory: ${error}`]);
    assert.deepEqual(problemsOf({ flags: { historyMemory: '-1MiB' } }), [`--history-memory: ${error}`]);
    assert.deepEqual(problemsOf({ flags: { historyMemory: '12 parsecs' } }), [`--history-memory: ${error}`]);
  });

  it('says when the config file is missing, not JSON or not an object', async () => {
    const missing = join(dir, 'missing.json');
    assert.match(problemsOf({ env: { CERTSTREAM_CONFIG: missing } })[0]!, new RegExp(`^config file ${missing}: no such file$`));
    const broken = await configFile('broken.json', '{"port": ');
    assert.match(problemsOf({ flags: { config: broken } })[0]!, new RegExp(`^config file ${broken}: not valid JSON`));
    const list = await configFile('list.json', [1]);
    assert.deepEqual(problemsOf({ flags: { config: list } }), [`config file ${list}: must be a JSON object of options`]);
  });
});

describe('config loading with switches (simulate)', () => {
  const loadSim = (sources: Partial<ConfigSources>) =>
    loadConfig(simulateConfigSchema, SIMULATE_ENV_PREFIX, { flags: {}, env: {}, ...sources });

  it('reads a switch from its bare flag, from true/false in env, and refuses other text', () => {
    assert.equal(loadSim({}).alwaysGzip, false);
    assert.equal(loadSim({ flags: { alwaysGzip: true } }).alwaysGzip, true);
    assert.equal(loadSim({ env: { CERTSTREAM_SIM_ALWAYS_GZIP: 'true' } }).alwaysGzip, true);
    assert.throws(() => loadSim({ env: { CERTSTREAM_SIM_ALWAYS_GZIP: 'yes' } }), /CERTSTREAM_SIM_ALWAYS_GZIP: must be true or false/);
  });

  it('keeps its own env prefix, so a server port in the environment is not the simulator port', () => {
    assert.equal(loadSim({ env: { CERTSTREAM_PORT: '9999', CERTSTREAM_SIM_RATE: '2.5' } }).port, 8081);
    assert.equal(loadSim({ env: { CERTSTREAM_SIM_RATE: '2.5' } }).rate, 2.5);
  });
});
