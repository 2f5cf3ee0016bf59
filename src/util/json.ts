/** JSON.parse that answers undefined for text that is not JSON (for values read from outside). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
