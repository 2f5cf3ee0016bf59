/**
 * Entries as a log serves them: get-entries JSON items and data-tile TileLeaf records, with the
 * per-index entry faults applied (corruption a broken log's read path would produce).
 */
import { encodeMerkleTreeLeaf, encodePrecertExtraData, encodeTileLeaf, encodeX509ExtraData } from '../ct/leaf.js';
import type { EntryFaultKind } from './faults.js';
import type { SimLog } from './sim-log.js';

export interface GetEntriesItem {
  leaf_input: string;
  extra_data: string;
}

/** Offset of entry_type in a MerkleTreeLeaf (version, leaf_type, timestamp) and in a TileLeaf (timestamp). */
const LEAF_ENTRY_TYPE_OFFSET = 10;
const TILE_ENTRY_TYPE_OFFSET = 8;
/** An entry_type no RFC 6962 log defines. */
const UNKNOWN_ENTRY_TYPE = 0x0007;

/** A certificate cut in half: its outer SEQUENCE claims more bytes than follow, so no DER parser accepts it. */
function brokenDer(der: Uint8Array): Uint8Array {
  return der.subarray(0, Math.max(1, Math.floor(der.length / 2)));
}

function withEntryType(bytes: Uint8Array, offset: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[offset] = UNKNOWN_ENTRY_TYPE >> 8;
  out[offset + 1] = UNKNOWN_ENTRY_TYPE & 0xff;
  return out;
}

/** Base64 with characters outside the alphabet in the middle, as a corrupted store might return. */
function garbageBase64(b64: string): string {
  const mid = Math.floor(b64.length / 2);
  return `${b64.slice(0, mid)}*!#%${b64.slice(mid + 4)}`;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

/** One get-entries item for entry `index` of an RFC 6962 log. */
export function getEntriesItem(log: SimLog, index: number, fault: EntryFaultKind | undefined): GetEntriesItem {
  const cert = log.certificateAt(index);
  const entry = log.timestampedEntry(index);
  let preCertificate = cert.der;
  if (fault === 'bad-cert') {
    entry.signedEntry = brokenDer(entry.signedEntry);
    preCertificate = brokenDer(preCertificate);
  }
  let leafInput = encodeMerkleTreeLeaf(entry);
  const chain = cert.chain.map((c) => c.der);
  const extraData = cert.kind === 'precert' ? encodePrecertExtraData(preCertificate, chain) : encodeX509ExtraData(chain);
  switch (fault) {
    case 'bad-entry-type':
      leafInput = withEntryType(leafInput, LEAF_ENTRY_TYPE_OFFSET);
      break;
    case 'bad-leaf-type':
      leafInput = Uint8Array.from(leafInput);
      leafInput[1] = 0x07; // MerkleLeafType other than timestamped_entry
      break;
    case 'truncated-leaf':
      leafInput = leafInput.subarray(0, Math.floor(leafInput.length / 2));
      break;
    case 'garbage-base64':
      return { leaf_input: garbageBase64(b64(leafInput)), extra_data: b64(extraData) };
    default:
      break;
  }
  return { leaf_input: b64(leafInput), extra_data: b64(extraData) };
}

/**
 * One TileLeaf record for entry `index` of a static-ct log. Faults without a tile equivalent
 * (garbage-base64, bad-leaf-type: tiles are binary and have no leaf_type) leave the record intact.
 */
export function tileLeafRecord(log: SimLog, index: number, fault: EntryFaultKind | undefined): Uint8Array {
  const leaf = log.tileLeaf(index);
  if (fault === 'bad-cert') {
    leaf.entry.signedEntry = brokenDer(leaf.entry.signedEntry);
    if (leaf.preCertificate) leaf.preCertificate = brokenDer(leaf.preCertificate);
  }
  const record = encodeTileLeaf(leaf);
  if (fault === 'bad-entry-type') return withEntryType(record, TILE_ENTRY_TYPE_OFFSET);
  if (fault === 'truncated-leaf') return record.subarray(0, Math.floor(record.length / 2));
  return record;
}
