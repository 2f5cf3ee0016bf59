/**
 * The clients of one server in the footprint bench, in a worker thread of their own: lean raw-socket
 * WebSocket clients that count the certificates they receive and their bytes, nothing more.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connectLean } from './load/lean-ws.js';

export interface FootprintWorkerInput {
  port: number;
  path: string;
  clients: number;
}

export interface FootprintCounts {
  certificates: number;
  certificateBytes: number;
  /** Other messages (heartbeats). */
  other: number;
  connected: number;
  /** Connections the server closed. */
  closed: number;
}

const input = workerData as FootprintWorkerInput;
const counts: FootprintCounts = { certificates: 0, certificateBytes: 0, other: 0, connected: 0, closed: 0 };
const MARKER = Buffer.from('"certificate_update"');

/** Ours puts message_type first, certstream-server-go last: look at both ends only. */
function isCertificate(payload: Buffer): boolean {
  return payload.subarray(0, 64).includes(MARKER) || payload.subarray(-64).includes(MARKER);
}

for (let i = 0; i < input.clients; i++) {
  const socket = await connectLean(
    '127.0.0.1',
    input.port,
    input.path,
    (payload) => {
      if (isCertificate(payload)) {
        counts.certificates++;
        counts.certificateBytes += payload.length;
      } else counts.other++;
    },
    () => counts.closed++,
  );
  if (socket) counts.connected++;
}
parentPort!.on('message', () => parentPort!.postMessage(counts));
