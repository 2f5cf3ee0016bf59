/**
 * The page's WebSocket to / (the lite channel) and its one subscription, "page".
 *
 * The connection always holds that subscription: with no filter it matches every certificate, and
 * a new filter (or clearing it) replaces it atomically (same id). The subscription's `subscribed`
 * reply names the epoch and every certificate and heartbeat moves the seq on, so after a drop the
 * connection is reopened with backoff and subscribes again with `since`: the server replays what was
 * missed, or says it could not (`recovered: false`), which the page shows.
 */

export const SUBSCRIPTION_ID = 'page';

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
const EVERYTHING = Object.freeze({ keywords: [], regex: [] });

/**
 * @typedef {{keywords: string[], regex: string[], dedupe?: boolean}} Filter
 * @typedef {{
 *   onCertificate(data: unknown): void,
 *   onConnection(state: 'connecting' | 'open' | 'closed'): void,
 *   onFilter(active: Filter | null): void,
 *   onResume(recovered: boolean, oldestSeq: number | undefined): void,
 *   onError(code: string, message: string): void,
 * }} StreamHandlers
 */

/** @param {Filter | null} filter */
const isEverything = (filter) => !filter || (filter.keywords.length === 0 && filter.regex.length === 0 && !filter.dedupe);

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
    /** @type {Filter | null} what the user asked for (null: every certificate) */
    this.wanted = null;
    /** @type {Filter | null} what the server confirmed on this connection */
    this.active = null;
    /** @type {{filter: Filter | null, resuming: boolean}[]} subscribes sent and not answered yet, oldest first */
    this.inFlight = [];
    /** @type {{epoch: string, seq: number} | null} where the page is in the server's stream */
    this.position = null;
    this.retryMs = RETRY_FIRST_MS;
  }

  start() {
    this.handlers.onConnection('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.inFlight = [];
    ws.onopen = () => {
      this.retryMs = RETRY_FIRST_MS;
      this.handlers.onConnection('open');
      this.subscribe(this.wanted, this.position !== null);
    };
    ws.onmessage = (event) => {
      if (ws === this.ws && typeof event.data === 'string') this.receive(event.data);
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.handlers.onConnection('closed');
      const delay = this.retryMs;
      this.retryMs = Math.min(2 * this.retryMs, RETRY_MAX_MS);
      setTimeout(() => this.start(), delay);
    };
  }

  /** @param {Filter | null} filter null: every certificate */
  setFilter(filter) {
    this.wanted = isEverything(filter) ? null : filter;
    this.subscribe(this.wanted, false);
  }

  /**
   * @param {Filter | null} filter
   * @param {boolean} resume subscribe with since (after a reconnect)
   */
  subscribe(filter, resume) {
    if (this.ws?.readyState !== WebSocket.OPEN) return; // sent on open
    this.inFlight.push({ filter, resuming: resume });
    const { keywords, regex } = filter ?? EVERYTHING;
    const since = resume && this.position ? { since: this.position } : {};
    const dedupe = filter?.dedupe ? { dedupe: true } : {};
    this.ws.send(JSON.stringify({ type: 'subscribe', id: SUBSCRIPTION_ID, keywords, regex, ...since, ...dedupe }));
  }

  /** @param {unknown} seq */
  advance(seq) {
    if (this.position && typeof seq === 'number' && seq > this.position.seq) this.position.seq = seq;
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
        // Until the subscription is confirmed the connection gets the whole stream: not asked for.
        if (message.subscription !== SUBSCRIPTION_ID) return;
        this.advance(message.data?.seq);
        this.handlers.onCertificate(message.data);
        return;
      case 'heartbeat':
        if (this.inFlight.length === 0) this.advance(message.seq);
        return;
      case 'subscribed': {
        if (message.id !== SUBSCRIPTION_ID) return;
        const sent = this.inFlight.shift();
        if (!sent) return;
        if (!sent.resuming || !this.position || message.epoch !== this.position.epoch || message.recovered !== true) {
          this.position = { epoch: String(message.epoch), seq: Number(message.seq) };
        }
        if (sent.resuming) {
          this.handlers.onResume(message.recovered === true, typeof message.oldest_seq === 'number' ? message.oldest_seq : undefined);
          return; // same filter as before: the feed stays
        }
        this.active = sent.filter;
        this.handlers.onFilter(this.active);
        return;
      }
      case 'error':
        if (message.id === SUBSCRIPTION_ID) {
          this.inFlight.shift();
          // Refused: the server keeps the previous subscription, and so does the page.
          if (this.inFlight.length === 0) this.wanted = this.active;
        }
        this.handlers.onError(String(message.code), String(message.message ?? ''));
        return;
      default:
        return; // pong, unsubscribed
    }
  }
}
