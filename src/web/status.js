/**
 * Server status from /healthz, polled every few seconds: the per-log table (updated in place,
 * one row per log) and the throughput sparkline (entries/s of all logs together).
 */

const isObject = (v) => typeof v === 'object' && v !== null;
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Sum of a {reason: count} record, and its "reason: count" lines for a tooltip. */
function tally(...records) {
  let total = 0;
  const lines = [];
  for (const record of records) {
    if (!isObject(record)) continue;
    for (const [reason, count] of Object.entries(record)) {
      if (num(count) === null) continue;
      total += count;
      lines.push(`${reason}: ${count}`);
    }
  }
  return { total, detail: lines.join('\n') };
}

const LOG_COLUMNS = ['name', 'state', 'rate', 'lag', 'errors'];

export class LogTable {
  /** @param {HTMLTableSectionElement} tbody */
  constructor(tbody) {
    this.tbody = tbody;
    /** @type {Map<string, Record<string, HTMLTableCellElement>>} */
    this.rows = new Map();
  }

  /** @param {unknown[]} logs LogStatus objects */
  update(logs) {
    const seen = new Set();
    for (const log of logs) {
      if (!isObject(log) || typeof log.id !== 'string') continue;
      seen.add(log.id);
      const cells = this.rows.get(log.id) ?? this.addRow(log.id);
      const treeSize = num(log.treeSize);
      const next = num(log.next);
      const errors = tally(log.errors, log.badEntries, log.parseErrors);
      const name = String(log.name ?? log.id);
      set(cells.name, name, `${name}\n${String(log.url ?? '')}`);
      set(cells.state, String(log.state ?? ''));
      cells.state.dataset.state = String(log.state ?? '');
      set(cells.rate, (num(log.entriesPerSecond) ?? 0).toFixed(1));
      set(cells.lag, treeSize !== null && next !== null ? String(treeSize - next) : '–', `tree size ${treeSize ?? '?'}, next index ${next ?? '?'}`);
      set(cells.errors, String(errors.total), errors.detail || 'no errors');
    }
    for (const [id, cells] of this.rows) {
      if (seen.has(id)) continue;
      cells.name.parentElement.remove();
      this.rows.delete(id);
    }
  }

  addRow(id) {
    const row = this.tbody.insertRow();
    const cells = {};
    for (const column of LOG_COLUMNS) {
      cells[column] = row.insertCell();
      cells[column].className = column;
    }
    this.rows.set(id, cells);
    return cells;
  }
}

/** Writes only what changed: most values stay the same from one poll to the next. */
function set(cell, text, title) {
  if (cell.textContent !== text) cell.textContent = text;
  if (title !== undefined && cell.title !== title) cell.title = title;
}

/**
 * Server-wide entries/s, one point per poll: the growth of each log's `entries` since the previous
 * poll (logs that appeared or vanished in between are left out of that point).
 */
export class Throughput {
  /** @param {number} points samples kept */
  constructor(points) {
    this.points = points;
    /** @type {number[]} */
    this.rates = [];
    /** @type {{at: number, entries: Map<string, number>} | null} */
    this.last = null;
  }

  /** @param {unknown[]} logs @param {number} at ms */
  sample(logs, at) {
    const entries = new Map();
    for (const log of logs) if (isObject(log) && typeof log.id === 'string' && num(log.entries) !== null) entries.set(log.id, log.entries);
    const previous = this.last;
    this.last = { at, entries };
    if (!previous || at <= previous.at) return;
    let grown = 0;
    for (const [id, count] of entries) grown += Math.max(0, count - (previous.entries.get(id) ?? count));
    this.rates.push((grown * 1000) / (at - previous.at));
    if (this.rates.length > this.points) this.rates.shift();
  }

  /** A gap in polling: the next point must not average over it. */
  reset() {
    this.last = null;
  }
}

/**
 * Draws rates, newest on the right, as an SVG line and the area under it, in a viewBox of
 * (points - 1) × 100 that CSS stretches to the element's size. Returns the top of the scale.
 * @param {{line: SVGPolylineElement, area: SVGPolygonElement}} svg
 * @param {number[]} rates
 * @param {number} points
 */
export function drawSparkline(svg, rates, points) {
  const max = Math.max(1, ...rates);
  const first = points - rates.length;
  const line = rates.map((r, i) => `${first + i},${(100 - (r / max) * 96).toFixed(1)}`).join(' ');
  svg.line.setAttribute('points', line);
  svg.area.setAttribute('points', rates.length > 0 ? `${first},100 ${line} ${points - 1},100` : '');
  return max;
}

/**
 * Polls `url` every `intervalMs` (the next poll starts after the previous one ended: never two at
 * once) and hands each parsed body, or the error, to the callbacks.
 */
export function poll(url, intervalMs, onBody, onFailure) {
  const once = async () => {
    try {
      const response = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(intervalMs * 2) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      onBody(await response.json());
    } catch (err) {
      onFailure(err instanceof Error ? err.message : String(err));
    }
    setTimeout(() => void once(), intervalMs);
  };
  void once();
}
