/** Random corruption of real certificates (and other DER or TLS bytes) for the robustness, differential and decoder fuzz tests. */
import { parsableFixtureCerts, type FixtureCert } from './fixture-certs.js';

/** A spread of real certificates: every parsable certs/ blob plus a sample of the CT-embedded ones. */
export function mutationSeeds(): FixtureCert[] {
  return parsableFixtureCerts().filter((c, i) => c.label.startsWith('certs/') || i % 40 === 0);
}

/** 1-3 edits: bit flips, special or random bytes, truncation, deletions, insertions, duplicated slices. */
export function mutate(der: Uint8Array, random: () => number): Uint8Array {
  const at = (n: number): number => Math.floor(random() * n);
  const edits = 1 + at(3);
  let bytes: Uint8Array = Uint8Array.from(der);
  for (let e = 0; e < edits; e++) {
    const pos = at(bytes.length);
    switch (at(7)) {
      case 0:
        bytes[pos] = bytes[pos]! ^ (1 << at(8));
        break;
      case 1:
        bytes[pos] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0xff][at(6)]!;
        break;
      case 2:
        bytes[pos] = at(256);
        break;
      case 3:
        bytes = bytes.slice(0, pos);
        break;
      case 4:
        bytes = Buffer.concat([bytes.subarray(0, pos), bytes.subarray(pos + 1 + at(16))]);
        break;
      case 5:
        bytes = Buffer.concat([bytes.subarray(0, pos), Uint8Array.from({ length: 1 + at(4) }, () => at(256)), bytes.subarray(pos)]);
        break;
      default: {
        const length = 1 + at(64);
        bytes = Buffer.concat([bytes.subarray(0, pos), bytes.subarray(pos, pos + length), bytes.subarray(pos)]);
      }
    }
    if (bytes.length === 0) break;
  }
  return bytes;
}
