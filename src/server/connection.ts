/**
 * One WebSocket connection's conversation: its path's unfiltered stream until its first subscribe,
 * then only its subscriptions; every client message answered, every bad one with a JSON error while
 * the connection and its other subscriptions go on.
 */
import type { WebSocket } from 'uWebSockets.js';
import { parseClientMessage } from '../protocol/parse.js';
import { URL_SUBSCRIPTION_ID, type ProtocolLimits } from '../protocol/limits.js';
import { errorMessage, pongMessage, subscribedMessage, unsubscribedMessage } from '../protocol/replies.js';
import { CLOSE_CODES, CLOSE_REASONS, type ErrorCode } from '../protocol/server-messages.js';
import type { SubscribeMessage } from '../protocol/client-messages.js';
import { InvalidFilterError } from '../router/filter-matcher.js';
import type { EventHistory } from '../router/history.js';
import { Replay, type ReplayScheduler } from '../router/replay.js';
import { channelTopic, type Router, type SubscriptionSet } from '../router/router.js';
import { subscriptionField } from '../protocol/replies.js';
import type { Channel } from './messages.js';
import type { MessageRateLimiter } from './rate-limit.js';

export interface ConnectionData {
  /** Channel of the path the client connected to. */
  readonly channel: Channel;
  readonly subs: SubscriptionSet;
  /** Filters given in the URL, applied as subscription "url" when the connection opens. */
  readonly urlFilter: SubscribeMessage | null;
  /** Set by the first subscribe: from then on the unfiltered stream stops. */
  filtered: boolean;
  /** When the connection was cut off for backpressure (it gets nothing more), else null. */
  evictedAt: number | null;
  /** Resuming subscriptions still replaying history, by id. */
  readonly replays: Map<string, Replay>;
  /** The peer's IP, as counted against maxConnectionsPerIp. */
  readonly ip: string;
  readonly rate: MessageRateLimiter;
}

/** What resuming needs: the server's epoch, its recent events and the replay pacer. */
export interface ResumeContext {
  readonly epoch: string;
  readonly history: EventHistory;
  readonly scheduler: ReplayScheduler;
}

/** Every connection gets heartbeats, filtered or not. */
export const HEARTBEAT_TOPIC = 'heartbeat';

export class ConnectionHandler {
  readonly clientErrors: Record<string, number> = {};
  /** Connections closed with CLOSE_CODES.rateLimited. */
  rateLimitCloses = 0;

  constructor(
    private readonly router: Router,
    private readonly limits: ProtocolLimits,
    private readonly resume: ResumeContext,
  ) {}

  open(ws: WebSocket<ConnectionData>): void {
    const data = ws.getUserData();
    ws.subscribe(HEARTBEAT_TOPIC);
    // Classic clients using URL filters never sent a subscribe, so they get no 'subscribed' reply.
    if (data.urlFilter) this.subscribe(ws, { ...data.urlFilter, id: URL_SUBSCRIPTION_ID }, false);
    else ws.subscribe(channelTopic(data.channel));
  }

  close(ws: WebSocket<ConnectionData>): void {
    const data = ws.getUserData();
    for (const replay of data.replays.values()) replay.cancel();
    data.replays.clear();
    this.router.releaseAll(data.subs);
  }

  message(ws: WebSocket<ConnectionData>, data: ArrayBuffer, isBinary: boolean): void {
    // An evicted client is only waiting for its close: subscribing again would undo the eviction.
    if (ws.getUserData().evictedAt !== null) return;
    // Before parsing: a flood must not cost more than counting it.
    const verdict = ws.getUserData().rate.take();
    if (verdict === 'close') {
      this.rateLimitCloses++;
      ws.end(CLOSE_CODES.rateLimited, CLOSE_REASONS.rateLimited);
      return;
    }
    if (verdict === 'refuse') {
      this.fail(ws, 'rate_limited', 'too many messages: slow down');
      return;
    }
    const parsed = parseClientMessage(data, isBinary, this.limits);
    if (!parsed.ok) {
      this.fail(ws, parsed.error.code, parsed.error.message, parsed.error.id);
      return;
    }
    const msg = parsed.message;
    switch (msg.type) {
      case 'ping':
        ws.send(pongMessage(msg.id));
        return;
      case 'subscribe':
        this.subscribe(ws, msg, true);
        return;
      case 'unsubscribe':
        this.cancelReplay(ws, msg.id);
        if (this.router.unsubscribe(ws, ws.getUserData().subs, msg.id)) {
          ws.send(unsubscribedMessage(msg.id));
        } else {
          this.fail(ws, 'unknown_subscription', `no subscription with id ${JSON.stringify(msg.id)}`, msg.id);
        }
        return;
    }
  }

  private fail(ws: WebSocket<ConnectionData>, code: ErrorCode, message: string, id?: string): void {
    this.clientErrors[code] = (this.clientErrors[code] ?? 0) + 1;
    ws.send(errorMessage(code, message, id));
  }

  private cancelReplay(ws: WebSocket<ConnectionData>, id: string): void {
    const data = ws.getUserData();
    if (!data.replays.has(id)) return;
    data.replays.get(id)!.cancel();
    data.replays.delete(id);
    this.syncHeartbeats(ws);
  }

  /**
   * Heartbeats carry the newest seq, which tells the client it has everything up to there: not
   * true while a replay is behind, so a replaying connection gets none until it has caught up.
   */
  private syncHeartbeats(ws: WebSocket<ConnectionData>): void {
    if (ws.getUserData().replays.size === 0) ws.subscribe(HEARTBEAT_TOPIC);
    else ws.unsubscribe(HEARTBEAT_TOPIC);
  }

  private subscribe(ws: WebSocket<ConnectionData>, msg: SubscribeMessage, reply: boolean): void {
    const data = ws.getUserData();
    if (!data.subs.has(msg.id) && data.subs.size >= this.limits.maxSubscriptions) {
      this.fail(ws, 'too_many_subscriptions', `at most ${this.limits.maxSubscriptions} subscriptions per connection`, msg.id);
      return;
    }
    const channel = msg.channel ?? data.channel;
    const spec = { keywords: msg.keywords, regex: msg.regex };
    const { history, epoch } = this.resume;
    const newest = history.newestSeq ?? 0;
    const oldest = history.oldestSeq ?? newest + 1;
    const since = msg.since;
    // Resumable when the client's epoch is ours and history still holds everything after its seq.
    const recovered = since === undefined ? undefined : since.epoch === epoch && since.seq + 1 >= oldest && since.seq <= newest;
    const replayFrom = recovered && since && since.seq < newest ? since.seq + 1 : null;
    try {
      this.router.subscribe(ws, data.subs, msg.id, channel, spec, replayFrom === null, msg.dedupe);
    } catch (err) {
      if (!(err instanceof InvalidFilterError)) throw err;
      this.fail(ws, err.code, err.message, msg.id);
      return;
    }
    this.cancelReplay(ws, msg.id);
    if (!data.filtered) {
      data.filtered = true;
      ws.unsubscribe(channelTopic(data.channel));
    }
    if (reply) {
      ws.send(
        subscribedMessage(msg.id, {
          epoch,
          seq: newest,
          ...(recovered === undefined ? {} : { recovered }),
          ...(recovered === false ? { oldestSeq: oldest } : {}),
        }),
      );
    }
    if (replayFrom !== null) {
      const replay = new Replay(history, replayFrom, channel, spec, subscriptionField(msg.id), {
        send: (text) => void ws.send(text),
        bufferedAmount: () => ws.getBufferedAmount(),
      }, () => {
        data.replays.delete(msg.id);
        this.router.join(ws, data.subs, msg.id);
        this.syncHeartbeats(ws);
      }, msg.dedupe);
      data.replays.set(msg.id, replay);
      this.syncHeartbeats(ws);
      this.resume.scheduler.add(replay);
    }
  }
}
