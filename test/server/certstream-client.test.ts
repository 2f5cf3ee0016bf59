/** The original authors' npm `certstream` client, unchanged, receiving from our server. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

interface CertStreamClient {
  connect(url: string): void;
  ws: { close(): void; on(event: string, listener: (...args: unknown[]) => void): void };
}
type CertStreamClientClass = new (callback: (message: { message_type: string; data: unknown }) => void, skipHeartbeats?: boolean) => CertStreamClient;

const require = createRequire(import.meta.url);

describe('npm certstream client', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ seed: 'certstream-client' });
  });

  after(async () => {
    await stack.close();
  });

  it('receives certificate updates with their domains', async () => {
    const CertStream = require('certstream') as CertStreamClientClass;
    const received: { message_type: string; data: unknown }[] = [];
    const client = new CertStream((message) => received.push(message), true);
    const log = console.log;
    console.log = () => undefined; // the client announces itself on stdout
    try {
      client.connect(`ws://${stack.base}/`);
      // The client registers no error listener; without one a reset at teardown would be uncaught.
      client.ws.on('error', () => undefined);
      await waitFor('connection', () => stack.server.connectionCounts().lite === 1);
    } finally {
      console.log = log;
    }
    try {
      stack.appendNamed([['compat.example', 'www.compat.example']]);
      await waitFor('an update', () => received.length > 0);
      const update = received[0] as { message_type: string; data: { leaf_cert: { all_domains: string[] }; source: { name: string } } };
      assert.equal(update.message_type, 'certificate_update');
      assert.deepEqual(update.data.leaf_cert.all_domains, ['compat.example', 'www.compat.example']);
      assert.equal(typeof update.data.source.name, 'string');
    } finally {
      const closed = new Promise((resolve) => client.ws.on('close', resolve));
      client.ws.close();
      await closed;
    }
  });
});
