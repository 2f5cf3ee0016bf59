/**
 * Server-Sent Events and NDJSON on the channel paths: a plain GET to `/`, `/full-stream` or
 * `/domains-only` asking for `text/event-stream` or `application/x-ndjson` (or `?format=sse|ndjson`)
 * streams that channel. Everything else about the connection is the WebSocket's: URL filters, the
 * Router's topics, resume through the history (`Last-Event-ID`, or `since`/`epoch`) with the same
 * `recovered` answer, heartbeats, connection limits and backpressure eviction.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { URL_SUBSCRIPTION_ID } from '../protocol/limits.js';
import type { ParseResult } from '../protocol/parse.js';
import { errorMessage, gapMessage, subscribedMessage, subscriptionField } from '../protocol/replies.js';
import type { SubscribeMessage } from '../protocol/client-messages.js';
import type { ErrorCode } from '../protocol/server-messages.js';
import { Replay } from '../router/replay.js';
import { channelTopic, type Router } from '../router/router.js';
import { HEARTBEAT_TOPIC, type ResumeContext } from './connection.js';
import { frame, HttpStream, type StreamFormat } from './http-stream.js';
import { CHANNEL_PATHS, CHANNELS, type Channel } from '../protocol/channels.js';
import { resumePoint } from './resume.js';
import type { StreamHub } from './stream-hub.js';

/** An HTTP refusal: status line and protocol error. */
export interface Refusal {
  status: string;
  code: ErrorCode;
  message: string;
}

export interface StreamRouteContext {
  router: Router;
  hub: StreamHub;
  resume: ResumeContext;
  /** URL filters, regexes compiled, as the WebSocket upgrade parses them. */
  parseUrlFilter(query: string): ParseResult<SubscribeMessage | null>;
  /** Access tokens and connection limits: a refusal, or the token the connection counts against. */
  admit(req: HttpRequest, ip: string, query: string): Refusal | { token: string | null };
  /** A stream opened or ended, for connection counts. */
  opened(stream: HttpStream): void;
  closed(stream: HttpStream): void;
  /** Counts an error answered to a client, as WebSocket ones are. */
  clientError(code: ErrorCode): void;
  /** Counts a gap message told to a replaying stream, as WebSocket ones are. */
  gapTold(fromSeq: number, toSeq: number): void;
}

/** The stream format a request asks for, or null for an ordinary GET. */
export function requestedFormat(accept: string, query: URLSearchParams): StreamFormat | null {
  const format = query.get('format');
  if (format === 'sse' || format === 'ndjson') return format;
  if (accept.includes('text/event-stream')) return 'sse';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  return null;
}

const WHOLE_NUMBER = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Where the client resumes: `Last-Event-ID` (an SSE reconnect) or `since`, in the server's current
 * epoch unless `epoch` names one. An SSE id is the bare seq, so a Last-Event-ID from before a
 * server restart is read in the new numbering: clients that must not mix them pass `epoch`.
 */
export function requestedSince(
  lastEventId: string,
  query: URLSearchParams,
  currentEpoch: string,
): { ok: true; since: { seq: number; epoch: string } | undefined } | { ok: false; message: string } {
  const raw = lastEventId !== '' ? lastEventId : query.get('since');
  const epoch = query.get('epoch') ?? currentEpoch;
  if (raw === null || raw === '') {
    return query.get('epoch') === null ? { ok: true, since: undefined } : { ok: false, message: 'epoch needs since (or Last-Event-ID)' };
  }
  if (!WHOLE_NUMBER.test(raw)) return { ok: false, message: `${lastEventId !== '' ? 'Last-Event-ID' : 'since'} must be a seq (a whole number)` };
  return { ok: true, since: { seq: Number(raw), epoch } };
}

function refuse(res: HttpResponse, status: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json').end(body);
  });
}

/** Answers a request with a stream when it asks for one; false leaves it to the next handler. */
export type StreamOpener = (res: HttpResponse, req: HttpRequest) => boolean;

/**
 * Registers the streams of `/full-stream` and `/domains-only`, and returns the opener of `/`'s,
 * which the web page's own GET / handler calls first (uWS allows one GET handler per path).
 */
export function addStreamRoutes(app: TemplatedApp, ctx: StreamRouteContext): StreamOpener {
  for (const channel of CHANNELS) {
    if (CHANNEL_PATHS[channel] === '/') continue;
    app.get(CHANNEL_PATHS[channel], (res, req) => {
      // Not a stream: the JSON 404 answers it.
      if (!openStream(res, req, channel, ctx)) req.setYield(true);
    });
  }
  const root = CHANNELS.find((channel) => CHANNEL_PATHS[channel] === '/')!;
  return (res, req) => openStream(res, req, root, ctx);
}

function openStream(res: HttpResponse, req: HttpRequest, channel: Channel, ctx: StreamRouteContext): boolean {
  // Request data is only valid inside this handler: read everything now.
  const query = req.getQuery() ?? '';
  const params = new URLSearchParams(query);
  const format = requestedFormat(req.getHeader('accept'), params);
  if (format === null) return false;
  const lastEventId = req.getHeader('last-event-id');
  const ip = Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
  const admitted = ctx.admit(req, ip, query);
  if ('code' in admitted) {
    refuse(res, admitted.status, errorMessage(admitted.code, admitted.message));
    return true;
  }
  const badRequest = (code: ErrorCode, message: string): void => {
    ctx.clientError(code);
    refuse(res, '400 Bad Request', errorMessage(code, message, URL_SUBSCRIPTION_ID));
  };
  const filter = ctx.parseUrlFilter(query);
  if (!filter.ok) {
    badRequest(filter.error.code, filter.error.message);
    return true;
  }
  const { history, epoch, scheduler } = ctx.resume;
  const since = requestedSince(lastEventId, params, epoch);
  if (!since.ok) {
    badRequest('invalid_field', since.message);
    return true;
  }

  const stream = new HttpStream(res, format, channel, ip, admitted.token, ctx.hub, (s) => {
    ctx.router.releaseAll(s.subs);
    ctx.hub.remove(s);
    ctx.closed(s);
  });
  res.onAborted(() => stream.aborted());
  ctx.hub.add(stream);
  ctx.opened(stream);

  const point = resumePoint(history, epoch, since.since);
  const spec = { keywords: filter.message?.keywords ?? [], regex: filter.message?.regex ?? [] };
  const live = point.replayFrom === null;
  const dedupe = filter.message?.dedupe === true;
  // A filtered stream is the URL subscription, tagged like a WebSocket's; an unfiltered one is the
  // channel's own topic, its messages untagged.
  if (filter.message) ctx.router.subscribe(stream, stream.subs, URL_SUBSCRIPTION_ID, channel, spec, live, dedupe);
  else if (live) stream.subscribe(channelTopic(channel));
  stream.start(
    frame(
      format,
      subscribedMessage(URL_SUBSCRIPTION_ID, {
        epoch,
        seq: point.newest,
        ...(point.recovered === undefined ? {} : { recovered: point.recovered }),
        ...(point.recovered === false ? { oldestSeq: point.oldest } : {}),
      }),
    ),
  );
  if (point.replayFrom === null) {
    stream.subscribe(HEARTBEAT_TOPIC);
    return true;
  }
  // Heartbeats say "you have everything up to seq": not until the replay has caught up.
  const field = filter.message ? subscriptionField(URL_SUBSCRIPTION_ID) : '';
  stream.replay = new Replay(
    history,
    point.replayFrom,
    channel,
    spec,
    field,
    {
      send: (text, seq) => stream.write(frame(format, text, seq)),
      bufferedAmount: () => stream.bufferedAmount(),
      gap: (fromSeq, toSeq) => {
        ctx.gapTold(fromSeq, toSeq);
        stream.write(frame(format, gapMessage(URL_SUBSCRIPTION_ID, fromSeq, toSeq)));
      },
    },
    () => {
      stream.replay = null;
      if (filter.message) ctx.router.join(stream, stream.subs, URL_SUBSCRIPTION_ID);
      else stream.subscribe(channelTopic(channel));
      stream.subscribe(HEARTBEAT_TOPIC);
    },
    // Replays are shared fairly between client IPs, streams' as WebSockets'.
    stream.ip,
    dedupe,
  );
  scheduler.add(stream.replay);
  return true;
}
