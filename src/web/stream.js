/**
 * The page's WebSocket to / (the lite channel) and its one subscription, "page".
 *
 * Without a filter the connection reads the classic unfiltered stream. A filter is a subscription
 * filtered on the server; a new filter replaces it atomically (same id). The protocol keeps a
 * connection filtered for good once it has subscribed, so clearing the filter opens a fresh
 * connection, which gets the unfiltered stream again. After a drop the connection is reopened with
 * backoff and the filter sent again.
 */

export const SUBSCRIPTION_ID = 'page';

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * @typedef {{keywords: string[], regex: string[], dedupe?: boolean}} Filter
 * @typedef {{
 *   onCertificate(data: unknown): void,
 *   onConnection(state: 'connecting' | 'open' | 'closed'): void,
 *   onFilter(active: Filter | null): void,
 *   onError(code: string, message: string): void,
 * }} StreamHandlers
 */

export class Stream {
  /**
   * @param {string} url
   * @param {StreamHandlers} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** @type {Filter | null} what the user asked for */
    this.wanted = null;
    /** @type {Filter | null} what the server confirmed on this connection */
    this.active = null;
    /** @type {Filter[]} subscribes sent and not answered yet, oldest first */
    this.inFlight = [];
    /** the connection has subscribed once: it gets nothing unfiltered any more */
    this.filtered = false;
    this.retryMs = RETRY_FIRST_MS;
    this.reconnectNow = false;
  }

  start() {
    this.handlers.onConnection('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.filtered = false;
    this.inFlight = [];
    ws.onopen = () => {
      this.retryMs = RETRY_FIRST_MS;
      this.handlers.onConnection('open');
      if (this.wanted) {
        this.active = null;
        this.subscribe(this.wanted);
      } else if (this.active) {
        this.active = null;
        this.handlers.onFilter(null);
      }
    };
    ws.onmessage = (event) => {
      if (ws === this.ws && typeof event.data === 'string') this.receive(event.data);
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.handlers.onConnection('closed');
      const delay = this.reconnectNow ? 0 : this.retryMs;
      this.reconnectNow = false;
      this.retryMs = Math.min(2 * this.retryMs, RETRY_MAX_MS);
      setTimeout(() => this.start(), delay);
    };
  }

  /** @param {Filter | null} filter null: every certificate */
  setFilter(filter) {
    this.wanted = filter;
    if (filter) this.subscribe(filter);
    else if (this.filtered || this.inFlight.length > 0) this.reopen();
  }

  /** @param {Filter} filter */
  subscribe(filter) {
    if (this.ws?.readyState !== WebSocket.OPEN) return; // sent on open
    this.inFlight.push(filter);
    const dedupe = filter.dedupe ? { dedupe: true } : {};
    this.ws.send(JSON.stringify({ type: 'subscribe', id: SUBSCRIPTION_ID, keywords: filter.keywords, regex: filter.regex, ...dedupe }));
  }

  reopen() {
    if (this.ws?.readyState === WebSocket.OPEN || this.ws?.readyState === WebSocket.CONNECTING) {
      this.reconnectNow = true;
      this.ws.close(1000, 'filter cleared');
    }
  }

  /** @param {string} raw one text frame */
  receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return; // not ours to fix; the server only sends JSON
    }
    if (typeof message !== 'object' || message === null) return;
    switch (message.message_type) {
      case 'certificate_update':
        // Until the first subscription is confirmed, a connection that is to be filtered still
        // gets the whole stream: none of it was asked for.
        if (this.wanted && !this.filtered) return;
        this.handlers.onCertificate(message.data);
        return;
      case 'subscribed':
        if (message.id !== SUBSCRIPTION_ID) return;
        this.filtered = true;
        this.active = this.inFlight.shift() ?? this.active;
        this.handlers.onFilter(this.active);
        return;
      case 'error':
        if (message.id === SUBSCRIPTION_ID) {
          this.inFlight.shift();
          // Refused: the server keeps the previous subscription, and so does the page.
          if (this.inFlight.length === 0) this.wanted = this.active;
        }
        this.handlers.onError(String(message.code), String(message.message ?? ''));
        return;
      default:
        return; // heartbeat, pong, unsubscribed
    }
  }
}
