/**
 * Who may open a connection (WebSocket upgrade or HTTP stream): access tokens first, then the
 * connection limits (in total, per IP, per token); and the counts those limits are checked against.
 */
import type { Channel } from '../protocol/channels.js';
import type { Logger } from '../util/logger.js';
import { presentedToken, type AccessTokens } from './access-tokens.js';
import type { Refusal } from './stream-routes.js';

export interface AdmissionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
}

export class Admission {
  readonly connections: Record<Channel, number> = { full: 0, lite: 0, 'domains-only': 0 };
  /** Open connections per peer IP, for maxConnectionsPerIp. */
  private readonly byIp = new Map<string, number>();
  /** Open connections per access token name. */
  readonly byToken = new Map<string, number>();
  /** Connections refused, per error code. */
  readonly refused: Record<string, number> = {};

  constructor(
    private readonly limits: AdmissionLimits,
    /** Null when access tokens are off. */
    private readonly tokens: AccessTokens | null,
    private readonly openCount: () => number,
    private readonly logger: Logger,
  ) {}

  get tokensOn(): boolean {
    return this.tokens !== null;
  }

  /** Per-channel and per-IP counts of open connections, WebSockets and HTTP streams alike. */
  count(ip: string, channel: Channel, token: string | null, delta: 1 | -1): void {
    this.connections[channel] += delta;
    const left = (this.byIp.get(ip) ?? 0) + delta;
    if (left > 0) this.byIp.set(ip, left);
    else this.byIp.delete(ip);
    // Kept at 0 rather than deleted: a token's series stays in /metrics once it has been used.
    if (token !== null) this.byToken.set(token, (this.byToken.get(token) ?? 0) + delta);
  }

  /**
   * Whether a new connection (WebSocket upgrade or HTTP stream) may open: its access token first,
   * then the connection limits. A refusal is counted; an admission says which token it counts against.
   */
  admit(ip: string, authorization: string, query: string): (Refusal & { status: string }) | { token: string | null } {
    let token: string | null = null;
    let refusal: Refusal | null = null;
    if (this.tokens) {
      const grant = this.tokens.check(presentedToken(authorization, new URLSearchParams(query)));
      if (!grant) {
        refusal = { status: '401 Unauthorized', code: 'unauthorized', message: 'this server needs an access token: Authorization: Bearer <token>, or ?token=<token>' };
      } else if (grant.maxConnections !== null && (this.byToken.get(grant.name) ?? 0) >= grant.maxConnections) {
        refusal = { status: '429 Too Many Requests', code: 'too_many_connections_for_token', message: `at most ${grant.maxConnections} connections with this token` };
      }
      token = grant?.name ?? null;
    }
    refusal ??= this.connectionLimitHit(ip);
    if (refusal) {
      this.refused[refusal.code] = (this.refused[refusal.code] ?? 0) + 1;
      return refusal;
    }
    return { token };
  }

  /** Re-reads the access token file; false (and the old tokens kept) when it cannot be read. */
  reloadTokens(): boolean {
    if (!this.tokens) return false;
    try {
      const count = this.tokens.reload();
      this.logger.info({ file: this.tokens.file, tokens: count }, 'access tokens reloaded');
      return true;
    } catch (err) {
      this.logger.error({ err }, 'access tokens not reloaded: keeping the previous ones');
      return false;
    }
  }

  /** Why a new connection from `ip` must be refused, or null when it may open. */
  private connectionLimitHit(ip: string): Refusal | null {
    if (this.openCount() >= this.limits.maxConnections) {
      return { status: '503 Service Unavailable', code: 'too_many_connections', message: `the server is at its limit of ${this.limits.maxConnections} connections` };
    }
    if ((this.byIp.get(ip) ?? 0) >= this.limits.maxConnectionsPerIp) {
      return {
        status: '429 Too Many Requests',
        code: 'too_many_connections_from_ip',
        message: `at most ${this.limits.maxConnectionsPerIp} connections per client IP`,
      };
    }
    return null;
  }
}
