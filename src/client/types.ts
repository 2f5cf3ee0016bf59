/**
 * The client's public types. Message types are those inferred from the protocol's zod schemas
 * (src/protocol), imported as types only, so they cannot drift from what the server sends.
 */
import type { Channel } from '../protocol/channels.js';
import type {
  CertificateUpdateMessage,
  DnsEntriesMessage,
  ErrorCode,
  FullCertificateUpdateMessage,
  LiteCertificateUpdateMessage,
  SubscribedMessage,
} from '../protocol/server-messages.js';
import type { ReconnectOptions } from './reconnect.js';
import type { StandardWebSocketConstructor } from './transport.js';

export type {
  Channel,
  CertificateUpdateMessage,
  DnsEntriesMessage,
  ErrorCode,
  FullCertificateUpdateMessage,
  LiteCertificateUpdateMessage,
  SubscribedMessage,
  ReconnectOptions,
  StandardWebSocketConstructor,
};

/** A certificate as any channel delivers it. */
export type CertStreamMessage = CertificateUpdateMessage | DnsEntriesMessage;

/** The message type a subscription to channel C receives. */
export type MessageOf<C extends Channel> = C extends 'full'
  ? FullCertificateUpdateMessage
  : C extends 'lite'
    ? CertificateUpdateMessage
    : DnsEntriesMessage;

/** A position in the server's stream: seq values are comparable only within one epoch. */
export interface StreamPosition {
  seq: number;
  epoch: string;
}

export interface SubscribeOptions<C extends Channel = Channel> {
  /** Names the subscription (1-64 of A-Z a-z 0-9 _ . : -); generated when absent. Reusing one replaces it. */
  id?: string;
  /** Message shape; default: the channel of the URL's path. */
  channel?: C;
  /** Case-insensitive substrings of a domain. */
  keywords?: readonly string[];
  /** RE2 regular expressions, searched unanchored in each domain. */
  regex?: readonly string[];
  /** Only first sightings: no certificate the server already streamed (no `duplicate_of`). */
  dedupe?: boolean;
  /** Resume from a position saved earlier (Subscription.position): the server replays what was missed. */
  since?: StreamPosition;
}

export interface ConnectOptions {
  /** Reconnect backoff after a lost connection, or false to end instead (default: 0.5 s doubling to 30 s). */
  reconnect?: ReconnectOptions | false;
  /** How long opening a connection may take (default 10 s). */
  connectTimeoutMs?: number;
  /** How long to wait for the answer to subscribe, unsubscribe or ping (default 10 s). */
  replyTimeoutMs?: number;
  /**
   * Nothing received for this long means the connection is dead and is replaced (default 75 s: the
   * server sends a heartbeat every 30 s). 0 disables. Not checked while reading is paused.
   */
  idleTimeoutMs?: number;
  /**
   * Messages an async iterator may buffer before the client stops reading from the socket (default
   * 1000). Where reading cannot be paused (browsers) further messages are dropped and reported as a gap.
   */
  highWaterMark?: number;
  /**
   * Validate every certificate message with the protocol's zod schemas, not only the replies
   * (default false: the server is trusted for the bulk of the traffic; replies are always checked).
   */
  validateMessages?: boolean;
  /** WebSocket class to use instead of `ws` (Node) or the global WebSocket (browsers). */
  WebSocket?: StandardWebSocketConstructor;
}

/** The answer to a subscribe. */
export interface SubscribeResult {
  /** Where the subscription started: certificates after `seq` of `epoch` follow. */
  position: StreamPosition;
  /** For a subscribe with `since`: whether every certificate missed since then is replayed. */
  recovered?: boolean;
  /** With recovered false: the oldest seq the server still had. */
  oldestSeq?: number;
}

/**
 * Certificates of a subscription may be missing: after a reconnect that could not resume
 * (`not_recovered`), or because an async iterator's buffer was full where reading cannot be paused
 * (`overflow`).
 */
export interface GapEvent {
  /** The subscription concerned; absent for the unfiltered stream. */
  subscription?: string;
  /**
   * not_recovered: a resume the server could not honour; overflow: the client's own queue was full;
   * history_expired: after promising recovery, the server's replay found seqs missedFrom..missedTo
   * gone from its history (delivery goes on after them).
   */
  reason: 'not_recovered' | 'overflow' | 'history_expired';
  /** Certificates from this seq (of `epoch`) on may be missing; absent when nothing had been received. */
  missedFrom?: number;
  /** history_expired: the last seq that may be missing. */
  missedTo?: number;
  epoch?: string;
  /** not_recovered: the server restarted (a new epoch), so its history is gone. */
  serverRestarted?: boolean;
  /** not_recovered within the same epoch: the oldest seq the server still had. */
  oldestSeq?: number;
  /** overflow: how many messages were dropped. */
  dropped?: number;
}

export interface DisconnectEvent {
  code: number;
  reason: string;
  error?: Error;
}

export interface ReconnectingEvent {
  /** 1 for the first attempt after a disconnect. */
  attempt: number;
  delayMs: number;
  /** Why the previous attempt failed (absent for the first). */
  error?: Error;
}

export interface ReconnectEvent {
  /** Connection attempts it took. */
  attempts: number;
  /** Time since the connection was lost. */
  downtimeMs: number;
  /** True when every subscription resumed with nothing missed. */
  recovered: boolean;
  /** The subscriptions that could not resume (also emitted one by one as 'gap'). */
  gaps: GapEvent[];
}

// A type alias, not an interface: only aliases satisfy the emitter's Record constraint.
export type ClientEvents = {
  /** Every certificate message, of every subscription (and of the unfiltered stream before the first subscribe). */
  message: (message: CertStreamMessage) => void;
  disconnect: (event: DisconnectEvent) => void;
  reconnecting: (event: ReconnectingEvent) => void;
  reconnect: (event: ReconnectEvent) => void;
  gap: (event: GapEvent) => void;
  /** Problems with no caller to reject: an invalid message, a resubscribe refused, a listener that threw. */
  error: (error: Error) => void;
  /** The client is closed for good (close() or reconnect: false). */
  close: () => void;
};
