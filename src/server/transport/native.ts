/**
 * The native uWebSockets.js addon, loaded straight from its binary for this Node's ABI. The npm
 * package's own entry point silently swaps in a JS shim when the binary does not fit; we never use
 * that shim (our fallback is ./fallback/, chosen and announced by ./index.ts).
 */
import { createRequire } from 'node:module';

export type Uws = typeof import('uWebSockets.js');

const require = createRequire(import.meta.url);

/** The binary's path inside the package: one per platform, architecture and Node ABI. */
export function nativeBinaryPath(): string {
  return `uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
}

/** The addon, or throws with why it cannot load on this Node (typically: no binary for this ABI). */
export function loadNativeUws(): Uws {
  try {
    return require(nativeBinaryPath()) as Uws;
  } catch (err) {
    throw new Error(
      `uWebSockets.js has no native binary for Node ${process.version} (${process.platform}-${process.arch}, ABI ${process.versions.modules}): ${(err as Error).message.split('\n')[0]}`,
      { cause: err },
    );
  }
}
