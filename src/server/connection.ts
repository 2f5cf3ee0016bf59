/**
 * One WebSocket connection's conversation: its path's unfiltered stream until its first subscribe,
 * then only its subscriptions; every client message answered, every bad one with a JSON error while
 * the connection and its other subscriptions go on.
 */
import type { WebSocket } from 'uWebSockets.js';
import { parseClientMessage } from '../protocol/parse.js';
import { URL_SUBSCRIPTION_ID, type ProtocolLimits } from '../protocol/limits.js';
import { errorMessage, gapMessage, pongMessage, subscribedMessage, unsubscribedMessage } from '../protocol/replies.js';
import { CLOSE_CODES, CLOSE_REASONS, type ErrorCode } from '../protocol/server-messages.js';
import type { SubscribeMessage } from '../protocol/client-messages.js';
import { InvalidFilterError } from '../router/filter-matcher.js';
import type { EventHistory } from '../router/history.js';
import { Replay, type ReplayScheduler } from '../router/replay.js';
import { channelTopic, type Router, type SubscriptionSet } from '../router/router.js';
import { subscriptionField } from '../protocol/replies.js';
import type { Channel } from '../protocol/channels.js';
import type { FilterBudget } from './filter-budget.js';
import type { MessageRateLimiter } from './rate-limit.js';
import { resumePoint } from './resume.js';

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
  /** Name of the access token it connected with (null when tokens are off). */
  readonly token: string | null;
  readonly rate: MessageRateLimiter;
  /** Scan-regex cost units each subscription holds against its IP's budget, by id. */
  readonly scanUnits: Map<string, number>;
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
  /** Gap messages sent by replays that outlived the history, and the seqs they covered. */
  readonly replayGaps = { messages: 0, events: 0 };

  /** Counts a gap message told to a replaying client (WebSocket or HTTP stream). */
  countGap(fromSeq: number, toSeq: number): void {
    this.replayGaps.messages++;
    this.replayGaps.events += toSeq - fromSeq + 1;
  }

  constructor(
    private readonly router: Router,
    private readonly limits: ProtocolLimits,
    private readonly resume: ResumeContext,
    private readonly budget: FilterBudget,
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
    for (const units of data.scanUnits.values()) this.budget.hold(data.ip, -units);
    data.scanUnits.clear();
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
    const tooManyBytes = this.budget.admitBytes(ws.getUserData().ip, data.byteLength);
    if (tooManyBytes !== null) {
      this.fail(ws, tooManyBytes.code, tooManyBytes.message);
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
          this.setScanUnits(ws.getUserData(), msg.id, 0);
          ws.send(unsubscribedMessage(msg.id));
        } else {
          this.fail(ws, 'unknown_subscription', `no subscription with id ${JSON.stringify(msg.id)}`, msg.id);
        }
        return;
    }
  }

  /** Moves subscription `id`'s scan-regex units (0 when it ended) and its IP's total. */
  private setScanUnits(data: ConnectionData, id: string, units: number): void {
    this.budget.hold(data.ip, units - (data.scanUnits.get(id) ?? 0));
    if (units > 0) data.scanUnits.set(id, units);
    else data.scanUnits.delete(id);
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
    const { newest, oldest, recovered, replayFrom } = resumePoint(history, epoch, msg.since);
    let scanUnits: number;
    try {
      // What the filter costs the server is checked before that work is done.
      const cost = this.router.matcher.cost(spec);
      const tooCostly = this.budget.admitCost(data.ip, cost, data.scanUnits.get(msg.id) ?? 0, this.router.matcher.scanUnits);
      if (tooCostly !== null) {
        this.fail(ws, tooCostly.code, tooCostly.message, msg.id);
        return;
      }
      scanUnits = cost.scanUnits;
      this.router.subscribe(ws, data.subs, msg.id, channel, spec, replayFrom === null, msg.dedupe);
    } catch (err) {
      if (!(err instanceof InvalidFilterError)) throw err;
      this.fail(ws, err.code, err.message, msg.id);
      return;
    }
    this.setScanUnits(data, msg.id, scanUnits);
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
      const target = {
        send: (text: string) => void ws.send(text),
        bufferedAmount: () => ws.getBufferedAmount(),
        gap: (fromSeq: number, toSeq: number) => {
          this.countGap(fromSeq, toSeq);
          ws.send(gapMessage(msg.id, fromSeq, toSeq));
        },
      };
      const caughtUp = (): void => {
        data.replays.delete(msg.id);
        this.router.join(ws, data.subs, msg.id);
        this.syncHeartbeats(ws);
      };
      const replay = new Replay(history, replayFrom, channel, spec, subscriptionField(msg.id), target, caughtUp, data.ip, msg.dedupe);
      data.replays.set(msg.id, replay);
      this.syncHeartbeats(ws);
      this.resume.scheduler.add(replay);
    }
  }
}
