/**
 * static-ct-api checkpoints: signed notes (c2sp.org/signed-note) carrying a tlog checkpoint, signed
 * by the log with an RFC6962NoteSignature (timestamp + DigitallySigned TreeHeadSignature).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { logIdFromKey, signTreeHead, verifyTreeHead, type TreeHead } from './sth.js';
import { DecodeError, TlsReader } from './tls.js';

export interface Checkpoint extends TreeHead {
  origin: string;
}

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  body: Uint8Array;
}

const RFC6962_NOTE_SIGNATURE_TYPE = 0x05;
const SIGNATURE_LINE_PREFIX = '\u2014 ';

/** Key ID of a log's RFC 6962 note signature: SHA-256(name ‖ \n ‖ 0x05 ‖ log ID)[:4]. */
export function rfc6962NoteKeyId(origin: string, spkiDer: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(origin)
    .update(Buffer.from([0x0a, RFC6962_NOTE_SIGNATURE_TYPE]))
    .update(logIdFromKey(spkiDer))
    .digest()
    .subarray(0, 4);
}

function checkpointText(origin: string, treeSize: number, rootHash: Uint8Array): string {
  return `${origin}\n${treeSize}\n${Buffer.from(rootHash).toString('base64')}\n`;
}

export function formatSignedCheckpoint(
  origin: string,
  head: TreeHead,
  privateKey: KeyObject,
  spkiDer: Uint8Array,
): string {
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(BigInt(head.timestamp));
  const body = Buffer.concat([timestamp, signTreeHead(head, privateKey)]);
  const signature = Buffer.concat([rfc6962NoteKeyId(origin, spkiDer), body]).toString('base64');
  return `${checkpointText(origin, head.treeSize, head.rootHash)}\n${SIGNATURE_LINE_PREFIX}${origin} ${signature}\n`;
}

/** Splits a signed note into its checkpoint fields and signature lines, validating the syntax. */
export function parseCheckpoint(note: string): {
  origin: string;
  treeSize: number;
  rootHash: Uint8Array;
  signatures: NoteSignature[];
} {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new DecodeError('checkpoint', 'signed note has no blank line before its signatures');
  const lines = note.slice(0, split).split('\n');
  if (lines.length !== 3) {
    throw new DecodeError('checkpoint', `checkpoint has ${lines.length} lines, expected origin, size, root`);
  }
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) throw new DecodeError('checkpoint', `bad tree size ${sizeText}`);
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== 32) throw new DecodeError('checkpoint', 'root hash is not 32 bytes');
  const signatures: NoteSignature[] = [];
  const sigText = note.slice(split + 2);
  if (!sigText.endsWith('\n')) throw new DecodeError('checkpoint', 'signed note does not end with a newline');
  for (const line of sigText.slice(0, -1).split('\n')) {
    if (!line.startsWith(SIGNATURE_LINE_PREFIX)) throw new DecodeError('checkpoint', 'malformed signature line');
    const rest = line.slice(SIGNATURE_LINE_PREFIX.length);
    const space = rest.lastIndexOf(' ');
    const blob = Buffer.from(rest.slice(space + 1), 'base64');
    if (space <= 0 || blob.length < 5) throw new DecodeError('checkpoint', 'malformed signature line');
    signatures.push({ name: rest.slice(0, space), keyId: blob.subarray(0, 4), body: blob.subarray(4) });
  }
  return { origin, treeSize: Number(sizeText), rootHash, signatures };
}

/**
 * Parses a checkpoint and verifies the log's RFC 6962 note signature; signatures by other keys
 * (GREASE, Ed25519, witnesses) are ignored as the spec requires.
 */
export function verifyCheckpoint(note: string, expectedOrigin: string, spkiDer: Uint8Array): Checkpoint {
  const parsed = parseCheckpoint(note);
  if (parsed.origin !== expectedOrigin) {
    throw new DecodeError('checkpoint', `checkpoint origin ${parsed.origin} is not ${expectedOrigin}`);
  }
  const keyId = rfc6962NoteKeyId(expectedOrigin, spkiDer);
  for (const sig of parsed.signatures) {
    if (sig.name !== expectedOrigin || !Buffer.from(sig.keyId).equals(keyId)) continue;
    const r = new TlsReader(sig.body);
    const timestamp = r.u64('note timestamp');
    const head = { treeSize: parsed.treeSize, timestamp, rootHash: parsed.rootHash };
    if (verifyTreeHead(head, r.bytes(r.remaining), spkiDer)) return { origin: parsed.origin, ...head };
    throw new DecodeError('checkpoint_signature', 'checkpoint signature does not verify');
  }
  throw new DecodeError('checkpoint_signature', 'checkpoint has no signature by the log key');
}
