/**
 * certstream-ts client library (`import { connect } from 'certstream-ts/client'`): typed messages,
 * async iterators and callbacks, subscriptions filtered on the server, and reconnects that resume
 * where they left off. Runs on Node (with `ws`) and in browsers (with the native WebSocket).
 */
export { connect, CertStreamClient } from './client.js';
export { seqOf } from './seq.js';
export { Subscription, type SubscriptionFilter } from './subscription.js';
export { ClientClosedError, ConnectError, ConnectionLostError, ServerError } from './errors.js';
export { InvalidOptionsError } from './options.js';
export type {
  CertStreamMessage,
  CertificateUpdateMessage,
  Channel,
  ClientEvents,
  ConnectOptions,
  DisconnectEvent,
  DnsEntriesMessage,
  ErrorCode,
  FullCertificateUpdateMessage,
  GapEvent,
  MessageOf,
  ReconnectEvent,
  ReconnectingEvent,
  ReconnectOptions,
  StandardWebSocketConstructor,
  StreamPosition,
  SubscribeOptions,
  SubscribeResult,
  SubscribedMessage,
} from './types.js';
