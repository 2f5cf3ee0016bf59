/** A real WebSocket client (the `ws` package) that records every text message it receives. */
import WebSocket from 'ws';

export interface RecordingClient {
  readonly messages: unknown[];
  readonly socket: WebSocket;
  close(): Promise<void>;
}

/** `localAddress` (say 127.0.0.2) makes the client a different IP for the server's per-IP limits. */
export async function connectRecording(url: string, options: { localAddress?: string } = {}): Promise<RecordingClient> {
  const socket = new WebSocket(url, options);
  const messages: unknown[] = [];
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) messages.push(JSON.parse(data.toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    messages,
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
