/**
 * The certificate feed: messages are buffered as they arrive and written to the DOM at most once
 * per animation frame, newest on top, keeping at most `cap` rows. Only new rows are built; old
 * rows are removed from the bottom, never re-rendered.
 *
 * Pause freezes the rows on screen. Messages keep arriving meanwhile: they are counted, and the
 * newest `cap` of them are kept, so Resume shows the feed exactly as it would be without the pause
 * (older ones would have scrolled out of the capped list anyway).
 */

/** Pads a clock field to two digits. */
const two = (n) => String(n).padStart(2, '0');

/** Local wall-clock time of a Unix timestamp in seconds, as HH:MM:SS (cheaper than Intl). */
function clockTime(unixSeconds) {
  if (typeof unixSeconds !== 'number' || !Number.isFinite(unixSeconds)) return '';
  const d = new Date(unixSeconds * 1000);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const isObject = (v) => typeof v === 'object' && v !== null;
const text = (v) => (typeof v === 'string' ? v : '');

/** Domains shown in a row before "+N more"; the row's tooltip lists them all. */
const DOMAINS_SHOWN = 3;

/**
 * What a row shows of a certificate_update, read defensively: a malformed message gives empty
 * cells, never an exception.
 * @param {unknown} data the message's `data`
 */
function rowFields(data) {
  const d = isObject(data) ? data : {};
  const leaf = isObject(d.leaf_cert) ? d.leaf_cert : {};
  const issuer = isObject(leaf.issuer) ? leaf.issuer : {};
  const source = isObject(d.source) ? d.source : {};
  const domains = Array.isArray(leaf.all_domains) ? leaf.all_domains.filter((x) => typeof x === 'string') : [];
  return {
    time: clockTime(d.seen),
    log: text(source.name) || text(source.url),
    domains,
    issuer: text(issuer.O) || text(issuer.CN) || text(issuer.aggregated),
    precert: d.update_type === 'PrecertLogEntry',
  };
}

function cell(row, content, className) {
  const td = row.insertCell();
  td.textContent = content;
  if (className) td.className = className;
  return td;
}

/** One table row; every value goes in through textContent or an attribute, never as HTML. */
function buildRow(data) {
  const f = rowFields(data);
  const row = document.createElement('tr');
  cell(row, f.time, 'time');
  cell(row, f.log, 'log').title = f.log;
  const domains = cell(row, f.domains.slice(0, DOMAINS_SHOWN).join(', '), 'domains');
  domains.title = f.domains.join('\n');
  if (f.domains.length > DOMAINS_SHOWN) {
    const more = document.createElement('span');
    more.className = 'more';
    more.textContent = ` +${f.domains.length - DOMAINS_SHOWN} more`;
    domains.append(more);
  }
  if (f.precert) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'pre';
    tag.title = 'precertificate';
    domains.prepend(tag);
  }
  cell(row, f.issuer, 'issuer').title = f.issuer;
  return row;
}

export class Feed {
  /**
   * @param {HTMLTableSectionElement} tbody where rows go
   * @param {number} cap rows kept
   * @param {(state: {paused: boolean, missed: number, received: number}) => void} onCounts
   *   called once per frame with the counters
   */
  constructor(tbody, cap, onCounts) {
    this.tbody = tbody;
    this.cap = cap;
    this.onCounts = onCounts;
    /** @type {unknown[]} message data not drawn yet, oldest first */
    this.pending = [];
    this.paused = false;
    /** certificates received while paused */
    this.missed = 0;
    /** certificates received since the page opened */
    this.received = 0;
    this.frameRequested = false;
  }

  /** @param {unknown} data a certificate_update's data */
  push(data) {
    this.received++;
    if (this.paused) this.missed++;
    this.pending.push(data);
    // Trimmed in batches, so the buffer stays bounded even while no frame runs (background tab).
    if (this.pending.length > 2 * this.cap) this.pending.splice(0, this.pending.length - this.cap);
    this.requestFrame();
  }

  requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  draw() {
    this.onCounts({ paused: this.paused, missed: this.missed, received: this.received });
    if (this.paused || this.pending.length === 0) return;
    const batch = this.pending.length > this.cap ? this.pending.slice(-this.cap) : this.pending;
    this.pending = [];
    const fragment = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) fragment.append(buildRow(batch[i]));
    if (batch.length >= this.cap) {
      this.tbody.replaceChildren(fragment);
      return;
    }
    this.tbody.prepend(fragment);
    while (this.tbody.childElementCount > this.cap) this.tbody.lastElementChild.remove();
  }

  setPaused(paused) {
    this.paused = paused;
    if (!paused) this.missed = 0;
    this.requestFrame();
  }

  /** Empties the feed (a new filter took effect: what is shown must match it). */
  clear() {
    this.pending = [];
    this.missed = 0;
    this.tbody.replaceChildren();
    this.requestFrame();
  }
}
