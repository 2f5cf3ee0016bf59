/**
 * Per-log cursors (the next index to emit), persisted in `<stateDir>/cursors.json` so a restart
 * resumes where it stopped. Writes are atomic and durable (temp file fsynced, renamed, folder
 * fsynced) and coalesced: at most one write in flight, the latest state always wins.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const fileSchema = z.object({
  version: z.literal(1),
  logs: z.record(z.string(), z.object({ next: z.number().int().nonnegative(), name: z.string().optional() })),
});

/**
 * The cursor file exists but cannot be used. We refuse to start rather than guess: starting at each
 * log's head would silently skip everything logged since the last save.
 */
export class CursorFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(
      `cannot use the cursor file ${path}: ${problem}. Move it away to start every log at its current head ` +
        '(entries logged since the last save are then skipped), or put back a copy from a backup',
    );
    this.name = 'CursorFileError';
  }
}

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
      for (const [id, c] of Object.entries(parseCursorFile(join(dir, 'cursors.json'), text))) store.cursors.set(id, c);
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
      // Data on disk before the rename, and the rename itself after: a crash leaves the old file or the new one.
      await withFile(tmp, 'w', async (file) => {
        await file.writeFile(body);
        await file.sync();
      });
      await rename(tmp, join(dir, 'cursors.json'));
      await withFile(dir, 'r', (folder) => folder.sync());
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

function parseCursorFile(path: string, text: string): z.output<typeof fileSchema>['logs'] {
  if (text.trim() === '') throw new CursorFileError(path, 'it is empty (a write cut short by a crash or a full disk?)');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CursorFileError(path, `it is not valid JSON, perhaps truncated (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CursorFileError(path, `it is not a cursor file (${issue.path.join('.') || 'top level'}: ${issue.message})`);
  }
  return parsed.data.logs;
}

async function withFile(path: string, flags: 'w' | 'r', use: (file: FileHandle) => Promise<void>): Promise<void> {
  const file = await open(path, flags);
  try {
    await use(file);
  } finally {
    await file.close();
  }
}
