/** Which transport CERTSTREAM_TRANSPORT and the native addon's availability pick, and what is said about it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseTransport, TransportError, type Transport, type TransportName } from '../../src/server/transport/index.js';

/** Stand-ins that only carry a name: choosing never calls into a transport. */
const named = (name: TransportName): Transport => ({ name }) as Transport;

function choose(choice: string, nativeLoads: boolean): { name: TransportName; warnings: string[]; nativeTried: boolean } {
  const warnings: string[] = [];
  let nativeTried = false;
  const transport = chooseTransport(choice, {
    native: () => {
      nativeTried = true;
      if (!nativeLoads) throw new Error('uWebSockets.js has no native binary for Node v99 (linux-x64, ABI 999)');
      return named('uws');
    },
    fallback: () => named('ws'),
    warn: (text) => warnings.push(text),
  });
  return { name: transport.name, warnings, nativeTried };
}

describe('transport choice', () => {
  it('unset: the native addon where it loads, silently', () => {
    assert.deepEqual(choose('', true), { name: 'uws', warnings: [], nativeTried: true });
  });

  it('unset on a Node the addon has no binary for: the fallback, with a warning naming this Node and the way back', () => {
    const { name, warnings } = choose('', false);
    assert.equal(name, 'ws');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`^WARNING: .*no uWebSockets.js binary for Node ${process.version.replace(/\./g, '\\.')}, ABI ${process.versions.modules}\\b`));
    assert.match(warnings[0]!, /throughput is lower/);
    assert.match(warnings[0]!, /run Node 20/);
    assert.ok(warnings[0]!.split('\n').filter(Boolean).length <= 2, 'one or two lines');
  });

  it('ws forces the fallback without trying the addon, and still warns', () => {
    const { name, warnings, nativeTried } = choose(' WS ', true);
    assert.equal(name, 'ws');
    assert.equal(nativeTried, false);
    assert.match(warnings[0]!, /CERTSTREAM_TRANSPORT=ws/);
  });

  it('uws forces the addon: an error, not a fallback, where it cannot load', () => {
    assert.equal(choose('uws', true).name, 'uws');
    assert.throws(() => choose('uws', false), (err: Error) => err instanceof TransportError && /CERTSTREAM_TRANSPORT=uws, but .*ABI 999/.test(err.message));
  });

  it('refuses a value that names no transport', () => {
    assert.throws(() => choose('quic', true), (err: Error) => err instanceof TransportError && /CERTSTREAM_TRANSPORT=quic is not a transport/.test(err.message));
  });
});
