import type { StreamServer } from '../server/server.js';

/** Listens; when the server cannot (port in use), undoes what was started to feed it and rethrows. */
export async function listenOrUndo(server: StreamServer, undo: () => Promise<void> | void): Promise<void> {
  try {
    await server.listen();
  } catch (err) {
    await undo();
    throw err;
  }
}
