/** static-ct-api tile paths (c2sp.org/tlog-tiles): indexes in 3-digit groups, all but the last `x`-prefixed. */
import { DecodeError } from './tls.js';

export const TILE_WIDTH = 256;

/** 0 → "000", 1234067 → "x001/x234/067". */
export function tileIndexPath(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad tile index ${n}`);
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** Inverse of tileIndexPath; rejects non-canonical spellings. */
export function parseTileIndexPath(path: string): number {
  if (!/^(x[0-9]{3}\/)*[0-9]{3}$/.test(path)) throw new DecodeError('tile_path', `bad tile index path ${path}`);
  const n = Number(path.replaceAll('x', '').replaceAll('/', ''));
  if (tileIndexPath(n) !== path) throw new DecodeError('tile_path', `non-canonical tile index path ${path}`);
  return n;
}

function partialSuffix(width: number | undefined): string {
  if (width === undefined || width === TILE_WIDTH) return '';
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new RangeError(`bad tile width ${width}`);
  return `.p/${width}`;
}

/** Path of data tile n (relative to the monitoring prefix); a width < 256 names a partial tile. */
export function dataTilePath(n: number, width?: number): string {
  return `tile/data/${tileIndexPath(n)}${partialSuffix(width)}`;
}
