/**
 * Optional access tokens (`--auth-tokens FILE`): when on, a connection must present a known token
 * (`Authorization: Bearer <token>` or `?token=<token>`). The file is one token per line (`#`
 * comments and blank lines ignored), or JSON: an array of `{name, token, maxConnections?}`.
 * Tokens are kept by their SHA-256 only; metrics name them by `name` (JSON) or by the first
 * hex digits of that hash (lines), never by the token itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fileProblem } from '../util/files.js';

export interface TokenGrant {
  /** Shown in /metrics and logs. */
  readonly name: string;
  /** Open connections this token may hold at once, or null for no limit of its own. */
  readonly maxConnections: number | null;
}

const jsonTokensSchema = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a name is 1 to 64 of A-Z a-z 0-9 _ . : -'),
      token: z.string().min(16, 'a token has at least 16 characters'),
      maxConnections: z.number().int().positive().optional(),
    }),
  )
  .min(1, 'no tokens');

const hashOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The grants of a token file's text, by token hash. Throws with a message saying what is wrong. */
export function parseTokenFile(text: string): Map<string, TokenGrant> {
  const grants = new Map<string, TokenGrant>();
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed = jsonTokensSchema.safeParse(JSON.parse(trimmed));
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const names = new Set<string>();
    for (const entry of parsed.data) {
      if (names.has(entry.name)) throw new Error(`name ${entry.name} is used twice`);
      names.add(entry.name);
      grants.set(hashOf(entry.token), { name: entry.name, maxConnections: entry.maxConnections ?? null });
    }
    return grants;
  }
  for (const [i, line] of text.split('\n').entries()) {
    const token = line.trim();
    if (token === '' || token.startsWith('#')) continue;
    if (token.length < 16 || /\s/.test(token)) throw new Error(`line ${i + 1}: a token is at least 16 characters without spaces`);
    const hash = hashOf(token);
    grants.set(hash, { name: `sha256:${hash.slice(0, 12)}`, maxConnections: null });
  }
  if (grants.size === 0) throw new Error('no tokens');
  return grants;
}

/** The token a request presents, or null. */
export function presentedToken(authorization: string, query: URLSearchParams): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1]!;
  return query.get('token');
}

/** The token file cannot be read or parsed. */
export class AccessTokenFileError extends Error {}

export class AccessTokens {
  private grants: Map<string, TokenGrant>;

  /** Reads the file; throws when it cannot be read or parsed (a start-up error). */
  constructor(readonly file: string) {
    this.grants = AccessTokens.read(file);
  }

  private static read(file: string): Map<string, TokenGrant> {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new AccessTokenFileError(`--auth-tokens ${file}: ${fileProblem(err)}`);
    }
    try {
      return parseTokenFile(text);
    } catch (err) {
      throw new AccessTokenFileError(`access token file ${file}: ${(err as Error).message}`);
    }
  }

  /** Re-reads the file (SIGHUP). On an error the tokens stay as they were and the error is thrown. */
  reload(): number {
    this.grants = AccessTokens.read(this.file);
    return this.grants.size;
  }

  /** The grant of a presented token, or undefined for none or an unknown one. */
  check(token: string | null): TokenGrant | undefined {
    return token === null ? undefined : this.grants.get(hashOf(token));
  }
}
