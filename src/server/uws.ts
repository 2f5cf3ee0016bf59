/**
 * Loads uWebSockets.js and makes sure the native addon is what loaded: the npm package silently
 * falls back to a slow pure-JS shim when its binary does not fit this Node, and we refuse to run on it.
 */
import { createRequire } from 'node:module';

export type Uws = typeof import('uWebSockets.js');

const require = createRequire(import.meta.url);

function loadNativeUws(): Uws {
  if (/^(1|true)$/i.test(process.env.UWS_USE_FALLBACK ?? '')) {
    throw new Error('UWS_USE_FALLBACK is set: certstream-ts needs the native uWebSockets.js addon');
  }
  const uws = require('uWebSockets.js') as Uws;
  const binary = `uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  let native: unknown;
  try {
    native = require(binary);
  } catch (err) {
    throw new Error(
      `uWebSockets.js has no native binary for Node ${process.version} (${process.platform}-${process.arch}, ABI ${process.versions.modules}): ${(err as Error).message}`,
    );
  }
  if (native !== uws) throw new Error('uWebSockets.js loaded its JS fallback instead of the native addon');
  return uws;
}

export const uws: Uws = loadNativeUws();
