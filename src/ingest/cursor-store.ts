/**
 * Per-log cursors (the next index to emit), persisted in `<stateDir>/cursors.json` so a restart
 * resumes where it stopped. Writes are atomic (temp file + rename) and coalesced: at most one write
 * in flight, the latest state always wins.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const fileSchema = z.object({
  version: z.literal(1),
  logs: z.record(z.string(), z.object({ next: z.number().int().nonnegative(), name: z.string().optional() })),
});

/** Per-log cursors as ingest uses them; kept in a file here, in NATS KV by a cluster ingester. */
export interface Cursors {
  /** The next index to emit for a log, if known. */
  get(logId: string): number | undefined;
  set(logId: string, next: number, name?: string): void;
  /** Persists the current state. */
  flush(): Promise<void>;
}

export class CursorStore implements Cursors {
  private cursors = new Map<string, { next: number; name?: string | undefined }>();
  private dirty = false;
  private writing: Promise<void> | null = null;

  private constructor(private readonly dir: string | null) {}

  /** Opens the store in `dir` (created if missing); null keeps cursors in memory only. */
  static async open(dir: string | null): Promise<CursorStore> {
    const store = new CursorStore(dir);
    if (!dir) return store;
    await mkdir(dir, { recursive: true });
    let text: string | null = null;
    try {
      text = await readFile(join(dir, 'cursors.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== null) {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${join(dir, 'cursors.json')} is not a valid cursor file`);
      for (const [id, c] of Object.entries(parsed.data.logs)) store.cursors.set(id, c);
    }
    return store;
  }

  get(logId: string): number | undefined {
    return this.cursors.get(logId)?.next;
  }

  set(logId: string, next: number, name?: string): void {
    this.cursors.set(logId, name === undefined ? { next } : { next, name });
    this.dirty = true;
  }

  /** Writes the current state if it changed; concurrent calls share one write. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.dirty || !this.dir) return;
    this.dirty = false;
    const dir = this.dir;
    const body = JSON.stringify({ version: 1, logs: Object.fromEntries(this.cursors) }, null, 1);
    this.writing = (async () => {
      const tmp = join(dir, `cursors.json.${process.pid}.tmp`);
      await writeFile(tmp, body);
      await rename(tmp, join(dir, 'cursors.json'));
    })();
    try {
      await this.writing;
    } catch (err) {
      this.dirty = true;
      throw err;
    } finally {
      this.writing = null;
    }
  }
}
