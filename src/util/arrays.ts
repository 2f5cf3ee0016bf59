/** Small helpers for the index arrays of the matchers. */

/** Removes one occurrence of `item` (order is not kept). */
export function removeItem(list: number[], item: number): void {
  const index = list.indexOf(item);
  if (index < 0) return;
  list[index] = list[list.length - 1]!;
  list.pop();
}

/** `array`, or a copy at least `length` long (doubling) when it is shorter. */
export function grown(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  if (array.length >= length) return array;
  let size = array.length;
  while (size < length) size *= 2;
  const copy = new Int32Array(size);
  copy.set(array);
  return copy;
}
